using Mesh.Contracts;
using static Mesh.KvCache.Tests.TestBlocks;

namespace Mesh.KvCache.Tests;

/// <summary>KvEvents the store queues as blocks enter and leave RAM.</summary>
public sealed class EventTests
{
    [Fact]
    public async Task PutsAndEvictionsBecomeNumberedStoredAndRemovedEvents()
    {
        var (store, events) = Store(ramBytes: 200);
        await store.PutAsync("model-a", Hash(1), Bytes(1, 100));
        await store.PutAsync("model-a", Hash(2), Bytes(2, 100), parent: Hash(1));
        await store.PutAsync("model-a", Hash(3), Bytes(3, 100), parent: Hash(2));

        List<KvEvent> queued = events.Drain();
        Assert.Equal([1L, 2L, 3L, 4L], queued.Select(e => e.EventId));
        Assert.All(queued, e => Assert.Equal(new WorkerId("kvcache-test"), e.Worker));

        var first = Assert.IsType<KvBlocksStored>(queued[0]);
        Assert.Equal(("model-a", KvTier.Ram, (BlockHash?)null), (first.ModelFingerprint, first.Tier, first.Parent));
        Assert.Equal([Hash(1)], first.Blocks);
        var second = Assert.IsType<KvBlocksStored>(queued[1]);
        Assert.Equal(Hash(1), second.Parent);
        var removed = Assert.IsType<KvBlocksRemoved>(queued[2]);
        Assert.Equal(KvTier.Ram, removed.Tier);
        Assert.Equal([Hash(1)], removed.Blocks);
        var third = Assert.IsType<KvBlocksStored>(queued[3]);
        Assert.Equal([Hash(3)], third.Blocks);
    }

    [Fact]
    public void AFullQueueDropsTheOldestAndCountsIt()
    {
        var clock = new ManualClock();
        var events = new KvEventQueue(new WorkerId("w"), capacity: 2, clock);
        for (int n = 1; n <= 5; n++) events.Removed(KvTier.Ram, [Hash(n)]);

        Assert.Equal([4L, 5L], events.Drain().Select(e => e.EventId));
        Assert.Equal(3, events.Dropped);
    }
}
