using Mesh.Contracts;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.KvCache;
using Mesh.ServiceDefaults.Bus;
using Mesh.Workers.Decode;
using Mesh.Workers.Engine;
using Mesh.Workers.Model;
using Mesh.Workers.Prefill;
using Microsoft.Extensions.Logging;

namespace Mesh.Workers.Hosting;

/// <summary>
/// One engine worker: an <see cref="EngineHost"/> over its own engine, and the roles it serves on it. A worker with
/// both prefill and decode is colocated: its prefills keep their KV in the engine for its own decode.
/// </summary>
public sealed class EngineWorker : IAsyncDisposable
{
    internal EngineWorker(
        WorkerSpec spec, ServedModel model, WorkerOptions options, IKvBlockStore? store, IMeshBus bus, TimeProvider time, ILogger logger)
    {
        Spec = spec;
        Model = model;
        Options = options;
        Store = store;
        Bus = bus;
        Time = time;
        Logger = logger;
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        var engine = new InferenceEngine(model.Model, new EngineOptions
        {
            Threads = threads,
            BlockSize = options.BlockSize,
            KvBlocks = options.KvBlocks,
            KvCacheBytes = options.KvCacheBytes,
            KvCacheType = options.KvCacheType,
            MaxSequences = options.MaxSequences,
            MaxBatchTokens = options.MaxBatchTokens,
            MaxContext = options.MaxContext,
            QuantizeQ8Activations = options.QuantizeActivations,
        });
        logger.WorkerStarted(spec.Id, model.Name, string.Join('+', spec.Roles), engine.Pool.BlockCount, engine.Pool.BlockSize, threads);
        Host = new EngineHost(engine, commandCapacity: 1024, logger);
        CheckpointWriter? checkpoints = store is null
            ? null
            : new CheckpointWriter(spec.Id, model, store, options.KvLeaseTtl, options.SuspendedKvLeaseTtl, bus, logger);
        Replies = new ReplyPublisher(spec.Id, bus, checkpoints, logger);
        _roles = spec.Roles;
        Prefill = spec.Can(WorkerRole.Prefill) ? new PrefillRole(this) : null;
        Decode = spec.Can(WorkerRole.Decode) ? new DecodeRole(this) : null;
        Host.Start();
        Replies.Start();
    }

    /// <summary>Id and roles.</summary>
    public WorkerSpec Spec { get; }

    /// <summary>This worker's id.</summary>
    public WorkerId Id => Spec.Id;

    internal ServedModel Model { get; }

    internal WorkerOptions Options { get; }

    /// <summary>Where KV is handed off; null for a colocated worker of a process without one.</summary>
    internal IKvBlockStore? Store { get; }

    internal IMeshBus Bus { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    /// <summary>The engine loop.</summary>
    public EngineHost Host { get; }

    internal ReplyPublisher Replies { get; }

    internal PrefillRole? Prefill { get; }

    internal DecodeRole? Decode { get; }

    /// <summary>Handles a <see cref="PrefillTask"/> addressed to this worker.</summary>
    public Task<HandlerResult> PrefillAsync(PrefillTask task, CancellationToken cancellationToken) => Dead ? Task.FromResult(HandlerResult.Success) :
        (Prefill ?? throw new InvalidOperationException($"worker {Id} does not serve prefill")).HandleAsync(task, cancellationToken);

    /// <summary>Handles a <see cref="DecodeTask"/> addressed to this worker.</summary>
    public Task<HandlerResult> DecodeAsync(DecodeTask task, CancellationToken cancellationToken) => Dead ? Task.FromResult(HandlerResult.Success) :
        (Decode ?? throw new InvalidOperationException($"worker {Id} does not serve decode")).HandleAsync(task, cancellationToken);

    /// <summary>The engine's load at the last report that reached the loop.</summary>
    private EngineLoad _lastLoad;

    /// <summary>The roles it serves now: its configured ones until the scheduler moves it (elastic roles).</summary>
    private volatile WorkerRole[] _roles;

    /// <summary>When the last role assignment it took was decided.</summary>
    private DateTimeOffset _rolesAt;

    /// <summary>The roles it serves now.</summary>
    public WorkerRole[] Roles => _roles;

    /// <summary>Whether it serves <paramref name="role"/> now. A worker serving prefill and decode is colocated.</summary>
    public bool ServesNow(WorkerRole role) => Array.IndexOf(_roles, role) >= 0;

    /// <summary>
    /// Takes the scheduler's move to other roles (a subset of what it can serve): reports and hand-offs follow them from
    /// now; tasks already sent under the old roles still run. An assignment older than the last one taken is ignored.
    /// </summary>
    public Task<HandlerResult> AssignRolesAsync(RoleAssignment assignment, CancellationToken cancellationToken)
    {
        if (Dead || assignment.At < _rolesAt) return Task.FromResult(HandlerResult.Success);
        WorkerRole[] roles = [.. assignment.Roles.Distinct()];
        if (roles.Length == 0 || roles.Any(r => !Spec.Can(r)))
        {
            Logger.RoleAssignmentRefused(Id, string.Join('+', assignment.Roles), string.Join('+', Spec.CanServe));
            return Task.FromResult(HandlerResult.Drop);
        }
        _rolesAt = assignment.At;
        _roles = roles;
        Logger.RolesAssigned(Id, string.Join('+', roles), assignment.Reason);
        return Task.FromResult(HandlerResult.Success);
    }

    /// <summary>Killed by an operator: it handles, reports and publishes nothing more.</summary>
    public bool Dead { get; private set; }

    /// <summary>Draining: its reports ask for no new work; what it has runs to the end.</summary>
    public bool Draining { get; private set; }

    /// <summary>
    /// Stops the request's sequences (one choice's, when the cancel names it) and drops KV held for it; a decode then
    /// finishes as cancelled. A suspending cancel (preemption) saves the decode's checkpoint and stops it silently.
    /// </summary>
    public async Task<HandlerResult> CancelAsync(CancelRequest cancel, CancellationToken cancellationToken)
    {
        if (Dead) return HandlerResult.Success;
        MessageEnvelope e = cancel.Envelope;
        if (cancel.Suspend)
        {
            bool suspended = Decode is not null && await Decode.SuspendAsync(cancel, cancellationToken).ConfigureAwait(false);
            // Nothing ran to suspend (it finished, or never started here): the scheduler hears so and decides.
            if (!suspended)
                await FailStageAsync("decode", e, new StageFailure(FailureCodes.Cancelled, "there was no running decode to preempt", retryable: true),
                    cancellationToken, cancel.ChoiceIndex ?? 0).ConfigureAwait(false);
            return HandlerResult.Success;
        }
        await Host.InvokeAsync(s => s.CancelRequest(e.RequestId, e.Attempt, cancel.ChoiceIndex), cancellationToken).ConfigureAwait(false);
        return HandlerResult.Success;
    }

    /// <summary>
    /// Dies as a process would: nothing more leaves it (no reply, result, failure or report), its engine stops and its
    /// memory (sequences, held KV) is gone. The scheduler learns of it only when its lease runs out.
    /// </summary>
    public async Task KillAsync()
    {
        if (Dead) return;
        Dead = true;
        Replies.Kill();
        Logger.WorkerKilled(Id);
        await Host.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Starts or ends a drain.</summary>
    public void Drain(bool draining)
    {
        Draining = draining;
        Logger.WorkerDraining(Id, draining);
    }

    /// <summary>Its roles, state and the requests its engine serves now, for operators.</summary>
    public async Task<WorkerDescription> DescribeAsync(CancellationToken cancellationToken)
    {
        RequestId[] requests = Dead ? [] : await Host.InvokeAsync(s => s.Requests(), cancellationToken).ConfigureAwait(false);
        string state = Dead ? "dead" : Draining ? "draining" : "serving";
        return new WorkerDescription(Id, Roles, state, requests);
    }

    /// <summary>Releases held KV past its time and reports the worker's load; taken on the engine loop.</summary>
    public async Task<WorkerLoadReport> ReportAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = Time.GetUtcNow();
        // The report is the heartbeat: a loop busy in a long step must not make the worker look dead, so after half an
        // interval the report goes out with the load last seen (the snapshot still lands when the loop gets to it).
        Task<EngineLoad> snapshot = Host.InvokeAsync(s =>
        {
            int expired = s.ReleaseExpiredHolds(now);
            if (expired > 0) Logger.HeldKvExpired(expired, Id);
            return _lastLoad = s.Load();
        }, cancellationToken);
        await Task.WhenAny(snapshot, Task.Delay(Options.ReportInterval / 2, Time, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        EngineLoad load = snapshot.IsCompletedSuccessfully ? snapshot.Result : _lastLoad;
        int prefillQueued = Math.Max(0, (Prefill?.InFlight ?? 0) - load.PrefillSequences);
        WorkerRole[] roles = Roles;
        RoleQueueDepth[] queues = [.. Spec.CanServe.Select(role => role switch
        {
            WorkerRole.Prefill => new RoleQueueDepth(role, prefillQueued, load.PrefillSequences),
            WorkerRole.Decode => new RoleQueueDepth(role, Decode?.Admitting ?? 0, load.DecodeSequences),
            _ => new RoleQueueDepth(role, 0, 0),
        })];
        return new WorkerLoadReport(Id, roles, queues, load.Running, load.FreeKvBlocks, load.TotalKvBlocks, now,
            now + 3 * Options.ReportInterval, Options.MaxSequences, Draining, Model.Name, Model.Fingerprint,
            Spec.Elastic ? Spec.CanServe : null);
    }

    /// <summary>Refuses a task for a model this worker does not serve.</summary>
    internal void CheckModel(string model)
    {
        if (!string.Equals(model, Model.Name, StringComparison.Ordinal))
            throw StageFailure.Invalid($"model '{model}' is not served by worker {Id}; it serves '{Model.Name}'");
    }

    /// <summary>The engine's sampling parameters for a task.</summary>
    internal static SamplingParams Sampling(SamplingParameters sampling)
    {
        SamplingParams p = SamplingMapper.ToEngine(sampling);
        try
        {
            p.Validate();
        }
        catch (ArgumentException ex)
        {
            throw StageFailure.Invalid(ex.Message);
        }
        return p;
    }

    /// <summary>Reports a failed stage to the scheduler.</summary>
    internal Task FailStageAsync(string stage, MessageEnvelope envelope, StageFailure failure, CancellationToken cancellationToken, int? choice = null)
    {
        if (Dead) return Task.CompletedTask;
        Logger.StageFailed(stage, envelope.RequestId, envelope.Attempt, Id, failure.Code, failure.Message);
        return Bus.PublishAsync(Topics.StageFailed, new Failed(envelope, failure.Code, failure.Message, failure.Retryable, Id, choice), cancellationToken);
    }

    /// <summary>Stops the reply publisher and the engine loop.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!Dead) await Host.DisposeAsync().ConfigureAwait(false);
        await Replies.DisposeAsync().ConfigureAwait(false);
    }
}
