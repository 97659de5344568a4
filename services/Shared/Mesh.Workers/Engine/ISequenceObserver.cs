using Mesh.Contracts;
using Mesh.Engine.Scheduling;

namespace Mesh.Workers.Engine;

/// <summary>
/// Receives the outputs of one engine sequence, on the engine loop, in step order; the last one has a
/// <see cref="SequenceOutput.Finish"/>. Implementations hand the work off (a task completion, a reply queue)
/// and return quickly: the loop steps every other sequence only after they return.
/// </summary>
internal interface ISequenceObserver
{
    /// <summary>The request the sequence serves.</summary>
    RequestId Request { get; }

    /// <summary>The scheduler's attempt it serves.</summary>
    int Attempt { get; }

    /// <summary>The choice a decode sequence produces; -1 for a prefill (it serves every choice).</summary>
    int ChoiceIndex { get; }

    /// <summary>Prefill or decode, for load reports.</summary>
    WorkerRole Role { get; }

    /// <summary>One output. Awaiting applies backpressure to the loop (a full reply queue).</summary>
    ValueTask OnOutputAsync(SequenceOutput output, CancellationToken stopping);

    /// <summary>The sequence was dropped because the engine failed; no more outputs follow.</summary>
    void OnFault(Exception error);
}
