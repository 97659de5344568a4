using Mesh.Contracts;
using Mesh.Engine.Scheduling;

namespace Mesh.Workers.Engine;

/// <summary>
/// What a command may touch on the engine loop: the engine itself, the observer of each running sequence, and
/// the KV held for a decode on this worker (colocated hand-off). Only the loop thread ever sees a session.
/// </summary>
public sealed class EngineSession
{
    /// <summary>Observer of every sequence in the engine, by sequence id.</summary>
    private readonly Dictionary<long, ISequenceObserver> _observers = new();

    /// <summary>Finished prefill sequences whose KV stays in the pool for a decode on this worker, by (request, attempt).</summary>
    private readonly Dictionary<(RequestId Request, int Attempt), HeldKv> _held = new();

    internal EngineSession(InferenceEngine engine) => Engine = engine;

    /// <summary>The engine; used only from commands.</summary>
    public InferenceEngine Engine { get; }

    /// <summary>Sequences with an observer.</summary>
    internal int ObservedCount => _observers.Count;

    /// <summary>Routes the outputs of <paramref name="sequenceId"/> to <paramref name="observer"/> until it finishes.</summary>
    internal void Observe(long sequenceId, ISequenceObserver observer) => _observers.Add(sequenceId, observer);

    internal bool TryGetObserver(long sequenceId, out ISequenceObserver observer) => _observers.TryGetValue(sequenceId, out observer!);

    internal void Forget(long sequenceId) => _observers.Remove(sequenceId);

    /// <summary>Drops every observer after an engine fault: cancels their sequences and tells them.</summary>
    internal void FaultAll(Exception error)
    {
        foreach ((long id, ISequenceObserver observer) in _observers)
        {
            Engine.Cancel(id);
            observer.OnFault(error);
        }
        _observers.Clear();
    }

    /// <summary>
    /// Cancels every sequence of <paramref name="request"/> up to <paramref name="attempt"/> and releases KV held
    /// for it; returns how many sequences and holds it found. With <paramref name="choice"/>, only the decode of that
    /// choice stops (held KV stays: other choices may still need it).
    /// </summary>
    public int CancelRequest(RequestId request, int attempt, int? choice = null)
    {
        int found = 0;
        foreach ((long id, ISequenceObserver observer) in _observers)
        {
            if (observer.Request != request || observer.Attempt > attempt) continue;
            if (choice is { } c && observer.ChoiceIndex != c) continue;
            Engine.Cancel(id);
            found++;
        }
        if (choice is not null) return found;
        foreach ((RequestId Request, int Attempt) key in _held.Keys.Where(k => k.Request == request && k.Attempt <= attempt).ToArray())
        {
            Engine.ReleaseHeld(_held[key].SequenceId);
            _held.Remove(key);
            found++;
        }
        return found;
    }

    /// <summary>The observed sequence serving (request, attempt, choice), or null.</summary>
    internal (long Id, ISequenceObserver Observer)? FindDecode(RequestId request, int attempt, int choice)
    {
        foreach ((long id, ISequenceObserver observer) in _observers)
            if (observer.Request == request && observer.Attempt == attempt && observer.ChoiceIndex == choice) return (id, observer);
        return null;
    }

    /// <summary>Stops a sequence silently: the engine drops it and its observer hears nothing more (preemption, after a checkpoint).</summary>
    internal void Drop(long sequenceId)
    {
        Engine.Cancel(sequenceId);
        _observers.Remove(sequenceId);
    }

    /// <summary>The requests this engine serves now (running sequences and held KV), for operators.</summary>
    internal RequestId[] Requests() =>
        [.. _observers.Values.Select(o => o.Request).Concat(_held.Keys.Select(k => k.Request)).Distinct().OrderBy(r => r.Value, StringComparer.Ordinal)];

    /// <summary>
    /// Keeps a finished prefill's KV (already held by the engine) for <paramref name="uses"/> decodes of the same attempt
    /// (one per choice) until <paramref name="expiry"/>.
    /// </summary>
    internal void Hold(RequestId request, int attempt, long sequenceId, DateTimeOffset expiry, int uses = 1) =>
        _held[(request, attempt)] = new HeldKv(sequenceId, expiry, Math.Max(1, uses));

    /// <summary>
    /// The held sequence for (request, attempt), or null when there is none. <c>Last</c> is true for the decode that
    /// takes it last: that one releases it (<see cref="InferenceEngine.ReleaseHeld"/>); earlier ones only copy it.
    /// </summary>
    internal (long SequenceId, bool Last)? TakeHeld(RequestId request, int attempt)
    {
        if (!_held.TryGetValue((request, attempt), out HeldKv held)) return null;
        if (held.Uses <= 1)
        {
            _held.Remove((request, attempt));
            return (held.SequenceId, true);
        }
        _held[(request, attempt)] = held with { Uses = held.Uses - 1 };
        return (held.SequenceId, false);
    }

    /// <summary>Releases held KV whose decode never came; returns how many.</summary>
    internal int ReleaseExpiredHolds(DateTimeOffset now)
    {
        int released = 0;
        foreach (KeyValuePair<(RequestId, int), HeldKv> entry in _held.Where(e => e.Value.Expiry <= now).ToArray())
        {
            Engine.ReleaseHeld(entry.Value.SequenceId);
            _held.Remove(entry.Key);
            released++;
        }
        return released;
    }

    /// <summary>What the engine is doing now.</summary>
    internal EngineLoad Load()
    {
        int prefill = 0, decode = 0;
        foreach (ISequenceObserver observer in _observers.Values)
        {
            if (observer.Role == WorkerRole.Prefill) prefill++;
            else decode++;
        }
        return new EngineLoad(prefill, decode, Engine.RunningCount, Engine.WaitingCount, _held.Count, Engine.Pool.FreeCount, Engine.Pool.BlockCount);
    }

    private readonly record struct HeldKv(long SequenceId, DateTimeOffset Expiry, int Uses);
}

/// <summary>A snapshot of one engine, taken on its loop.</summary>
/// <param name="PrefillSequences">Prefill sequences queued or running.</param>
/// <param name="DecodeSequences">Decode sequences running.</param>
/// <param name="Running">Sequences in the engine's running batch.</param>
/// <param name="Waiting">Sequences waiting to join it.</param>
/// <param name="HeldKv">Prefills whose KV is held for a local decode.</param>
/// <param name="FreeKvBlocks">Free blocks in the pool (cached prefix blocks included).</param>
/// <param name="TotalKvBlocks">Blocks in the pool.</param>
internal readonly record struct EngineLoad(int PrefillSequences, int DecodeSequences, int Running, int Waiting, int HeldKv, int FreeKvBlocks, int TotalKvBlocks);
