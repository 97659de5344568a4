using System.Threading.Channels;
using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>
/// The KvEvents a store emits as blocks enter and leave its tiers, numbered per worker, waiting for
/// <see cref="KvEventPump"/> to publish them. Bounded: when the bus falls behind the oldest event is dropped,
/// the scheduler sees the gap in <see cref="KvEvent.EventId"/> and re-syncs this worker.
/// </summary>
public sealed class KvEventQueue
{
    /// <summary>Single reader (the pump), many writers (request threads).</summary>
    private readonly Channel<KvEvent> _channel;

    /// <summary>Makes numbering and enqueueing one step, so the reader sees ids in increasing order.</summary>
    private readonly Lock _sync = new();

    private readonly TimeProvider _time;

    /// <summary>Id of the last event enqueued; guarded by <see cref="_sync"/>.</summary>
    private long _lastId;

    /// <summary>Events dropped because the queue was full.</summary>
    private long _dropped;

    public KvEventQueue(WorkerId worker, int capacity, TimeProvider time)
    {
        Worker = worker;
        _time = time;
        _channel = Channel.CreateBounded<KvEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    /// <summary>The worker the events name.</summary>
    public WorkerId Worker { get; }

    /// <summary>Events in id order.</summary>
    public ChannelReader<KvEvent> Reader => _channel.Reader;

    /// <summary>Events dropped since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>One block of <paramref name="fingerprint"/> entered <paramref name="tier"/>.</summary>
    public void Stored(string fingerprint, KvTier tier, BlockHash block, BlockHash? parent)
    {
        lock (_sync)
            _channel.Writer.TryWrite(new KvBlocksStored(Worker, ++_lastId, _time.GetUtcNow(), fingerprint, tier, [block], parent));
    }

    /// <summary>
    /// Blocks entered <paramref name="tier"/>: one Stored event per run of blocks of one fingerprint that chain
    /// (each block's parent is the block before it), so a spilled prefix is one event.
    /// </summary>
    internal void Stored(KvTier tier, IReadOnlyList<RamEntry> blocks)
    {
        int start = 0;
        for (int i = 1; i <= blocks.Count; i++)
        {
            bool chains = i < blocks.Count
                          && blocks[i].Parent == blocks[i - 1].Key.Hash
                          && string.Equals(blocks[i].Key.Fingerprint, blocks[start].Key.Fingerprint, StringComparison.Ordinal);
            if (chains) continue;
            var run = new BlockHash[i - start];
            for (int j = start; j < i; j++) run[j - start] = blocks[j].Key.Hash;
            lock (_sync)
                _channel.Writer.TryWrite(new KvBlocksStored(
                    Worker, ++_lastId, _time.GetUtcNow(), blocks[start].Key.Fingerprint, tier, run, blocks[start].Parent));
            start = i;
        }
    }

    /// <summary>Blocks left <paramref name="tier"/>.</summary>
    public void Removed(KvTier tier, BlockHash[] blocks)
    {
        if (blocks.Length == 0) return;
        lock (_sync)
            _channel.Writer.TryWrite(new KvBlocksRemoved(Worker, ++_lastId, _time.GetUtcNow(), tier, blocks));
    }
}
