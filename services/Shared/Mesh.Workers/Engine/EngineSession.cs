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
    /// for it; returns how many sequences and holds it found.
    /// </summary>
    public int CancelRequest(RequestId request, int attempt)
    {
        int found = 0;
        foreach ((long id, ISequenceObserver observer) in _observers)
        {
            if (observer.Request != request || observer.Attempt > attempt) continue;
            Engine.Cancel(id);
            found++;
        }
        foreach ((RequestId Request, int Attempt) key in _held.Keys.Where(k => k.Request == request && k.Attempt <= attempt).ToArray())
        {
            Engine.ReleaseHeld(_held[key].SequenceId);
            _held.Remove(key);
            found++;
        }
        return found;
    }

    /// <summary>Keeps a finished prefill's KV (already held by the engine) for a decode of the same attempt until <paramref name="expiry"/>.</summary>
    internal void Hold(RequestId request, int attempt, long sequenceId, DateTimeOffset expiry) =>
        _held[(request, attempt)] = new HeldKv(sequenceId, expiry);

    /// <summary>The held sequence for (request, attempt), no longer tracked as held; null when there is none.</summary>
    internal long? TakeHeld(RequestId request, int attempt) =>
        _held.Remove((request, attempt), out HeldKv held) ? held.SequenceId : null;

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

    private readonly record struct HeldKv(long SequenceId, DateTimeOffset Expiry);
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
