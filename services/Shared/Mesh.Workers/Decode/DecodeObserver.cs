using Mesh.Contracts;
using Mesh.Engine.Scheduling;
using Mesh.Workers.Engine;

namespace Mesh.Workers.Decode;

/// <summary>
/// Forwards a decode sequence's outputs to the worker's reply publisher (waiting while its queue is full).
/// <paramref name="unqueuedFirst"/> is the first token's item when the queue was full at resume: it goes first.
/// </summary>
internal sealed class DecodeObserver(DecodeStream stream, ReplyPublisher replies, FirstTokenItem? unqueuedFirst) : ISequenceObserver
{
    private FirstTokenItem? _first = unqueuedFirst;

    public RequestId Request => stream.Task.Envelope.RequestId;

    public int Attempt => stream.Task.Envelope.Attempt;

    public WorkerRole Role => WorkerRole.Decode;

    public async ValueTask OnOutputAsync(SequenceOutput output, CancellationToken stopping)
    {
        if (_first is { } first)
        {
            _first = null;
            await replies.EnqueueAsync(first, stopping).ConfigureAwait(false);
        }
        await replies.EnqueueAsync(new OutputItem(stream, output), stopping).ConfigureAwait(false);
    }

    public void OnFault(Exception error) => replies.EnqueueFault(new FaultItem(stream, error));
}
