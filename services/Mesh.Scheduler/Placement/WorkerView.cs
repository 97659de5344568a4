using Mesh.Contracts;

namespace Mesh.Scheduler.Placement;

/// <summary>
/// The scheduler's picture of one worker: its last load report (roles, KV blocks, lease) and the work the
/// scheduler itself has sent it, which no report reflects yet. Owned by the scheduler loop.
/// </summary>
public sealed class WorkerView(WorkerId id)
{
    /// <summary>The worker.</summary>
    public WorkerId Id { get; } = id;

    /// <summary>Roles from its last report.</summary>
    public WorkerRole[] Roles { get; private set; } = [];

    /// <summary>Alive until then, unless a newer report extends it.</summary>
    public DateTimeOffset LeaseExpiry { get; private set; }

    /// <summary>Prefill tasks queued or running, as last reported.</summary>
    public int ReportedPrefill { get; private set; }

    /// <summary>Decode sequences queued or running, as last reported.</summary>
    public int ReportedDecode { get; private set; }

    /// <summary>Free KV blocks as last reported.</summary>
    public int FreeKvBlocks { get; private set; }

    /// <summary>KV pool size.</summary>
    public int TotalKvBlocks { get; private set; }

    /// <summary>Roles it can be moved to (its roles, unless it reported more).</summary>
    public WorkerRole[] Capabilities { get; private set; } = [];

    /// <summary>Whether it can be moved to <paramref name="role"/>.</summary>
    public bool Can(WorkerRole role) => Array.IndexOf(Capabilities, role) >= 0;

    /// <summary>The scheduler moved it: placement follows the new roles at once (its next report confirms them).</summary>
    public void Assign(WorkerRole[] roles) => Roles = roles;

    /// <summary>Sequences its engine batches at most, as reported (0 = unknown: only KV blocks bound it).</summary>
    public int MaxSequences { get; private set; }

    /// <summary>An operator is draining it: no new work goes there.</summary>
    public bool Draining { get; private set; }

    /// <summary>Whether a decode sent now would find a free sequence slot.</summary>
    public bool HasDecodeRoom => MaxSequences == 0 || DecodeLoad < MaxSequences;

    /// <summary>Prefill tasks sent to it and not yet answered.</summary>
    public int PrefillsSent { get; internal set; }

    /// <summary>Decode tasks sent to it and not yet completed.</summary>
    public int DecodesSent { get; internal set; }

    /// <summary>KV blocks decodes sent since its last report will take.</summary>
    public int BlocksSentSinceReport { get; internal set; }

    /// <summary>Prefill work on it: what it reported or what was sent, whichever is larger (another scheduler may also send).</summary>
    public int PrefillLoad => Math.Max(ReportedPrefill, PrefillsSent);

    /// <summary>Decode work on it.</summary>
    public int DecodeLoad => Math.Max(ReportedDecode, DecodesSent);

    /// <summary>Free KV blocks once the decodes sent since the report have started.</summary>
    public int FreeBlocksEstimate => FreeKvBlocks - BlocksSentSinceReport;

    /// <summary>Whether it serves <paramref name="role"/>.</summary>
    public bool Serves(WorkerRole role) => Array.IndexOf(Roles, role) >= 0;

    /// <summary>Whether its lease still runs at <paramref name="now"/>.</summary>
    public bool IsAlive(DateTimeOffset now) => now < LeaseExpiry;

    /// <summary>Takes a newer report.</summary>
    public void Update(WorkerLoadReport report)
    {
        Roles = report.Roles;
        LeaseExpiry = report.LeaseExpiry;
        ReportedPrefill = Depth(report, WorkerRole.Prefill);
        ReportedDecode = Depth(report, WorkerRole.Decode);
        FreeKvBlocks = report.FreeKvBlocks;
        TotalKvBlocks = report.TotalKvBlocks;
        MaxSequences = report.MaxSequences;
        Capabilities = report.Capabilities ?? report.Roles;
        Draining = report.Draining;
        BlocksSentSinceReport = 0;
    }

    private static int Depth(WorkerLoadReport report, WorkerRole role)
    {
        foreach (RoleQueueDepth q in report.Queues)
            if (q.Role == role) return q.Queued + q.Running;
        return 0;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Id} [{string.Join('+', Roles)}] prefill {PrefillLoad}, decode {DecodeLoad}, free {FreeBlocksEstimate}/{TotalKvBlocks}";
}
