using Mesh.Contracts;
using Mesh.Engine.Scheduling;
using FinishReason = Mesh.Engine.Scheduling.FinishReason;
using Mesh.Workers.Engine;

namespace Mesh.Workers.Prefill;

/// <summary>Waits for a prefill sequence's only output: the first token (or its cancellation).</summary>
internal sealed class PrefillObserver(MessageEnvelope envelope, long sequenceId) : ISequenceObserver
{
    private readonly TaskCompletionSource<SequenceOutput> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The engine sequence; after it finishes the engine holds its KV until exported or released.</summary>
    public long SequenceId { get; } = sequenceId;

    /// <summary>The first token's output, with a finish reason (the sequence runs for one token).</summary>
    public Task<SequenceOutput> FirstToken => _first.Task;

    public RequestId Request => envelope.RequestId;

    public int Attempt => envelope.Attempt;

    public int ChoiceIndex => -1;

    public WorkerRole Role => WorkerRole.Prefill;

    public ValueTask OnOutputAsync(SequenceOutput output, CancellationToken stopping)
    {
        if (output.Finish != FinishReason.None) _first.TrySetResult(output);
        return ValueTask.CompletedTask;
    }

    public void OnFault(Exception error) => _first.TrySetException(error);
}
