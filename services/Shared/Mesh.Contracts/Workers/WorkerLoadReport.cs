namespace Mesh.Contracts;

/// <summary>
/// Periodic load report of a worker on <see cref="Topics.WorkerLoad"/>; it is also the heartbeat: the
/// scheduler treats the worker as lost once <see cref="LeaseExpiry"/> passes without a newer report.
/// </summary>
/// <param name="Worker">Reporting worker.</param>
/// <param name="Roles">Roles it serves now.</param>
/// <param name="Queues">Backlog per role.</param>
/// <param name="RunningSequences">Sequences in the running batch.</param>
/// <param name="FreeKvBlocks">Free blocks in its device KV pool.</param>
/// <param name="TotalKvBlocks">Size of its device KV pool.</param>
/// <param name="At">When the report was taken.</param>
/// <param name="LeaseExpiry">Worker is considered alive until then.</param>
/// <param name="MaxSequences">Sequences its engine runs in one batch at most (0 = not reported).</param>
/// <param name="Draining">It takes no new work and finishes what it has (an operator's drain).</param>
/// <param name="Model">Served model name (null for workers without an engine).</param>
/// <param name="ModelFingerprint">Fingerprint of its weights, tokenizer and KV layout (null without an engine).</param>
/// <param name="Capabilities">Roles it can be moved to (elastic roles); null = only <paramref name="Roles"/>.</param>
public sealed record WorkerLoadReport(
    WorkerId Worker,
    WorkerRole[] Roles,
    RoleQueueDepth[] Queues,
    int RunningSequences,
    int FreeKvBlocks,
    int TotalKvBlocks,
    DateTimeOffset At,
    DateTimeOffset LeaseExpiry,
    int MaxSequences = 0,
    bool Draining = false,
    string? Model = null,
    string? ModelFingerprint = null,
    WorkerRole[]? Capabilities = null);
