using System.Threading.Channels;
using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.Logging;

namespace Mesh.Workers.Decode;

/// <summary>
/// Turns a worker's decode outputs into messages, in order, off the engine loop: <see cref="TokenChunk"/>s and the
/// final <see cref="Completed"/> to each request's reply topic (the completion also to the scheduler on
/// <see cref="Topics.DecodeDone"/>; a cancelled completion only to the scheduler, which relays it), and
/// <see cref="Failed"/> to <see cref="Topics.StageFailed"/> for a dropped sequence. One loop, so chunks of a stream leave in sequence order; the queue is bounded, so a slow bus slows
/// the engine instead of growing memory.
/// </summary>
internal sealed class ReplyPublisher(WorkerId worker, IMeshBus bus, CheckpointWriter? checkpoints, ILogger logger) : IAsyncDisposable
{
    /// <summary>Items from the engine loop (outputs) and from decode admission (first tokens).</summary>
    private readonly Channel<ReplyItem> _items = Channel.CreateBounded<ReplyItem>(new BoundedChannelOptions(8192)
    {
        SingleReader = true,
        SingleWriter = false,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private Task _loop = Task.CompletedTask;

    /// <summary>Set when the worker is killed: nothing more leaves this worker.</summary>
    private volatile bool _killed;

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Queues an item; waits while the queue is full.</summary>
    public ValueTask EnqueueAsync(ReplyItem item, CancellationToken cancellationToken) => _items.Writer.WriteAsync(item, cancellationToken);

    /// <summary>Queues an item if there is room now (from the engine loop, which must not wait here).</summary>
    public bool TryEnqueue(ReplyItem item) => _items.Writer.TryWrite(item);

    /// <summary>Queues a fault from a synchronous caller (the engine loop dropping a sequence).</summary>
    public void EnqueueFault(FaultItem item)
    {
        if (_items.Writer.TryWrite(item)) return;
        _ = _items.Writer.WriteAsync(item).AsTask().ContinueWith(
            t => logger.ReplyPublishFailed(t.Exception!, item.Stream.Task.Envelope.RequestId, Topics.StageFailed),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private async Task RunAsync()
    {
        await foreach (ReplyItem item in _items.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (item.Stream.Ended || _killed) continue;
            try
            {
                await PublishAsync(item).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                item.Stream.Abandon();
                logger.ReplyPublishFailed(ex, item.Stream.Task.Envelope.RequestId, item.Stream.Task.ReplyTopic);
            }
        }
    }

    private async Task PublishAsync(ReplyItem item)
    {
        DecodeStream stream = item.Stream;
        if (item is CheckpointItem checkpoint)
        {
            if (checkpoints is not null) await checkpoints.WriteAsync(checkpoint).ConfigureAwait(false);
            return;
        }
        TokenChunk? chunk = item switch
        {
            FirstTokenItem first => stream.First(first.Token, first.Outcome),
            OutputItem output => stream.Next(output.Output),
            FaultItem fault => await FailAsync(stream, fault.Error).ConfigureAwait(false),
            _ => throw new InvalidOperationException($"unknown reply item {item.GetType().Name}"),
        };
        if (chunk is null) return;
        if (chunk.FinishReason == FinishReason.Cancelled)
        {
            // Whether the client hears of a cancellation is the scheduler's call: it may be the client's own cancel
            // (relayed) or the scheduler superseding this attempt with a newer one (not relayed).
            await bus.PublishAsync(Topics.DecodeDone, stream.Complete(FinishReason.Cancelled)).ConfigureAwait(false);
            return;
        }
        await bus.PublishAsync<ReplyMessage>(stream.Task.ReplyTopic, chunk).ConfigureAwait(false);
        if (chunk.FinishReason is not { } finish) return;
        Completed completed = stream.Complete(finish);
        await bus.PublishAsync<ReplyMessage>(stream.Task.ReplyTopic, completed).ConfigureAwait(false);
        await bus.PublishAsync(Topics.DecodeDone, completed).ConfigureAwait(false);
        if (checkpoints is not null) await checkpoints.ReleaseAsync(stream).ConfigureAwait(false);
    }

    /// <summary>A dropped sequence: the scheduler decides between a retry and telling the client.</summary>
    private async Task<TokenChunk?> FailAsync(DecodeStream stream, Exception error)
    {
        stream.Abandon();
        StageFailure failure = StageFailure.From(error);
        await bus.PublishAsync(Topics.StageFailed,
            new Failed(stream.Task.Envelope, failure.Code, failure.Message, failure.Retryable, worker, stream.Task.ChoiceIndex)).ConfigureAwait(false);
        return null;
    }

    /// <summary>Drops everything queued and everything queued later, as a process that died would.</summary>
    public void Kill() => _killed = true;

    /// <summary>Publishes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _items.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
