using Mesh.Contracts;

namespace Mesh.Encode;

/// <summary>This encode worker: its id and the tasks it is handling now.</summary>
public sealed class EncodeWorker(WorkerId id)
{
    private int _inFlight;

    /// <summary>The worker's id in load reports and failures.</summary>
    public WorkerId Id { get; } = id;

    /// <summary>Encode tasks being handled.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    internal void Begin() => Interlocked.Increment(ref _inFlight);

    internal void End() => Interlocked.Decrement(ref _inFlight);
}
