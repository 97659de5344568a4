using Mesh.Contracts;
using Mesh.Engine.Scheduling;
using Mesh.Workers.Engine;

namespace Mesh.Workers.Decode;

/// <summary>
/// Forwards a decode sequence's outputs to the worker's reply publisher (waiting while its queue is full), and takes
/// the sequence's checkpoints: whenever <paramref name="checkpointEvery"/> more KV blocks have filled (0 = never), it
/// copies the new full blocks out of the engine, on the engine loop, and queues them behind the outputs they follow.
/// <paramref name="unqueuedFirst"/> is the first token's item when the queue was full at resume: it goes first.
/// </summary>
internal sealed class DecodeObserver(
    DecodeStream stream, ReplyPublisher replies, FirstTokenItem? unqueuedFirst, EngineSession session, long sequenceId, int checkpointEvery, int blockSize)
    : ISequenceObserver
{
    private FirstTokenItem? _first = unqueuedFirst;

    /// <summary>Leading KV blocks already copied into a checkpoint item (the publisher has or will have them).</summary>
    private int _copiedBlocks;

    /// <summary>Full blocks the KV cache already holds for this sequence: what it started from, then its last checkpoint.</summary>
    private int _savedBlocks = stream.Task.Kv.TokenCount / blockSize;

    public RequestId Request => stream.Task.Envelope.RequestId;

    public int Attempt => stream.Task.Envelope.Attempt;

    public int ChoiceIndex => stream.Task.ChoiceIndex;

    public WorkerRole Role => WorkerRole.Decode;

    public async ValueTask OnOutputAsync(SequenceOutput output, CancellationToken stopping)
    {
        if (_first is { } first)
        {
            _first = null;
            await replies.EnqueueAsync(first, stopping).ConfigureAwait(false);
        }
        await replies.EnqueueAsync(new OutputItem(stream, output), stopping).ConfigureAwait(false);
        if (checkpointEvery <= 0 || output.Finish != Mesh.Engine.Scheduling.FinishReason.None || output.Token < 0) return;
        // After sampling generated token i, positions [0, prompt + i) have KV.
        int fullBlocks = (stream.Task.PromptTokenCount + output.Index) / blockSize;
        if (fullBlocks < _savedBlocks + checkpointEvery) return;
        if (Checkpoint(suspend: false) is { } item) await replies.EnqueueAsync(item, stopping).ConfigureAwait(false);
    }

    public void OnFault(Exception error) => replies.EnqueueFault(new FaultItem(stream, error));

    /// <summary>
    /// The sequence's state now, with copies of the KV blocks not copied before: its full blocks, or (suspending) every
    /// block, the partial last one included. Null when the engine no longer runs it. Call on the engine loop.
    /// </summary>
    public CheckpointItem? Checkpoint(bool suspend)
    {
        HeldSequence? now = session.Engine.Snapshot(sequenceId);
        if (now is null) return null;
        int blocks = suspend ? now.Blocks.Length : now.KvTokens / blockSize;
        int kvTokens = suspend ? now.KvTokens : blocks * blockSize;
        var data = new byte[Math.Max(0, blocks - _copiedBlocks)][];
        for (int i = _copiedBlocks; i < blocks; i++) data[i - _copiedBlocks] = session.Engine.BlockData(now.Blocks[i]).ToArray();
        var item = new CheckpointItem(stream, now.Tokens, kvTokens, _copiedBlocks, data, suspend);
        _copiedBlocks = Math.Max(_copiedBlocks, blocks);
        _savedBlocks = Math.Max(_savedBlocks, kvTokens / blockSize);
        return item;
    }
}
