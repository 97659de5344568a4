using Mesh.Contracts;
using static Mesh.KvCache.Tests.TestBlocks;

namespace Mesh.KvCache.Tests;

/// <summary>The RAM tier alone (no Redis): LRU order, byte budget, leases and their expiry.</summary>
public sealed class RamTierTests
{
    private const int BlockBytes = 100;
    private const string Model = "model-a";

    [Fact]
    public async Task EvictsLeastRecentlyUsedFirst()
    {
        var (store, _) = Store(ramBytes: 3 * BlockBytes);
        for (int n = 1; n <= 3; n++) await store.PutAsync(Model, Hash(n), Bytes(n, BlockBytes));
        Assert.Equal([Hash(1), Hash(2), Hash(3)], store.Ram.EvictionOrder());

        Assert.NotNull(await store.TryGetAsync(Model, Hash(1)));
        Assert.Equal([Hash(2), Hash(3), Hash(1)], store.Ram.EvictionOrder());

        await store.PutAsync(Model, Hash(4), Bytes(4, BlockBytes));
        Assert.Equal([Hash(3), Hash(1), Hash(4)], store.Ram.EvictionOrder());
        Assert.Null(await store.TryGetAsync(Model, Hash(2)));

        KvStoreStats stats = await store.GetStatsAsync();
        KvTierStats ram = stats.For(KvTier.Ram)!;
        Assert.Equal((3L, 3L * BlockBytes), (stats.RamBlocks, stats.RamBytes));
        Assert.Equal((4L, 1L, 1L, 1L), (ram.Puts, ram.Hits, ram.Misses, ram.Evictions));
        Assert.Null(stats.For(KvTier.Redis));
    }

    [Fact]
    public async Task RepeatedPutKeepsFirstCopyAndCountsOnce()
    {
        var (store, events) = Store(ramBytes: 3 * BlockBytes);
        byte[] first = Bytes(1, BlockBytes);
        await store.PutAsync(Model, Hash(1), first);
        await store.PutAsync(Model, Hash(1), Bytes(2, BlockBytes));

        Assert.Equal(first, (await store.TryGetAsync(Model, Hash(1)))!.Value.ToArray());
        Assert.Equal(1, (await store.GetStatsAsync()).For(KvTier.Ram)!.Puts);
        Assert.Single(events.Drain());
    }

    [Fact]
    public async Task ByteBudgetEvictsAsManyBlocksAsTheNewOneNeeds()
    {
        var (store, _) = Store(ramBytes: 1000);
        await store.PutAsync(Model, Hash(1), Bytes(1, 300));
        await store.PutAsync(Model, Hash(2), Bytes(2, 300));
        await store.PutAsync(Model, Hash(3), Bytes(3, 300));
        await store.PutAsync(Model, Hash(4), Bytes(4, 650));

        Assert.Equal([Hash(3), Hash(4)], store.Ram.EvictionOrder());
        KvStoreStats stats = await store.GetStatsAsync();
        Assert.Equal((2L, 950L, 1000L), (stats.RamBlocks, stats.RamBytes, stats.RamBudgetBytes));
        Assert.Equal(2, stats.For(KvTier.Ram)!.Evictions);
    }

    [Fact]
    public async Task LeasedBlocksAreNeverEvictedAndReturnAsMostRecentOnRelease()
    {
        var (store, _) = Store(ramBytes: 3 * BlockBytes);
        for (int n = 1; n <= 3; n++) await store.PutAsync(Model, Hash(n), Bytes(n, BlockBytes));

        KvLease lease = await store.LeaseAsync(Model, [Hash(1)]);
        Assert.Equal(1, lease.Blocks);
        Assert.Equal([Hash(2), Hash(3)], store.Ram.EvictionOrder());

        await store.PutAsync(Model, Hash(4), Bytes(4, BlockBytes));
        await store.PutAsync(Model, Hash(5), Bytes(5, BlockBytes));
        Assert.Equal([Hash(4), Hash(5)], store.Ram.EvictionOrder());
        Assert.NotNull(await store.TryGetAsync(Model, Hash(1)));
        KvStoreStats stats = await store.GetStatsAsync();
        Assert.Equal((1L, 1), (stats.PinnedBlocks, stats.Leases));

        Assert.True(await store.ReleaseAsync(lease));
        Assert.False(await store.ReleaseAsync(lease));
        Assert.Equal([Hash(4), Hash(5), Hash(1)], store.Ram.EvictionOrder());
        Assert.Equal(0L, (await store.GetStatsAsync()).PinnedBlocks);
    }

    [Fact]
    public async Task TwoLeasesOnOneBlockPinItUntilBothEnd()
    {
        var (store, _) = Store(ramBytes: 2 * BlockBytes);
        await store.PutAsync(Model, Hash(1), Bytes(1, BlockBytes));
        KvLease first = await store.LeaseAsync(Model, [Hash(1)]);
        KvLease second = await store.LeaseAsync(Model, [Hash(1)]);

        await store.ReleaseAsync(first);
        Assert.Empty(store.Ram.EvictionOrder());
        await store.ReleaseAsync(second);
        Assert.Equal([Hash(1)], store.Ram.EvictionOrder());
    }

    [Fact]
    public async Task LeaseCoversOnlyTheLeadingHeldBlocks()
    {
        var (store, _) = Store(ramBytes: 4 * BlockBytes);
        await store.PutAsync(Model, Hash(1), Bytes(1, BlockBytes));
        await store.PutAsync(Model, Hash(3), Bytes(3, BlockBytes));

        KvLease lease = await store.LeaseAsync(Model, [Hash(1), Hash(2), Hash(3)]);

        Assert.Equal(1, lease.Blocks);
        Assert.Equal([Hash(3)], store.Ram.EvictionOrder());
    }

    [Fact]
    public async Task ExpiredLeaseUnpinsAtTheNextOperation()
    {
        var clock = new ManualClock();
        var (store, _) = Store(ramBytes: 2 * BlockBytes, clock: clock);
        await store.PutAsync(Model, Hash(1), Bytes(1, BlockBytes));
        KvLease lease = await store.LeaseAsync(Model, [Hash(1)], TimeSpan.FromMinutes(1));
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(1), lease.ExpiresAt);

        clock.Advance(TimeSpan.FromSeconds(59));
        await store.PutAsync(Model, Hash(2), Bytes(2, BlockBytes));
        Assert.Equal([Hash(2)], store.Ram.EvictionOrder());

        clock.Advance(TimeSpan.FromSeconds(1));
        await store.PutAsync(Model, Hash(3), Bytes(3, BlockBytes));
        Assert.Equal([Hash(1), Hash(3)], store.Ram.EvictionOrder());
        Assert.False(await store.ReleaseAsync(lease));
    }

    [Fact]
    public async Task LeaseLengthDefaultsAndIsCappedByOptions()
    {
        var clock = new ManualClock();
        var (store, _) = Store(ramBytes: BlockBytes, clock: clock);
        KvLease byDefault = await store.LeaseAsync(Model, []);
        KvLease capped = await store.LeaseAsync(Model, [], TimeSpan.FromDays(3));

        Assert.Equal(clock.GetUtcNow() + new KvCacheOptions().LeaseDefault, byDefault.ExpiresAt);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromHours(1), capped.ExpiresAt);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.LeaseAsync(Model, [], TimeSpan.Zero));
    }

    [Fact]
    public async Task RamFullOfLeasedBlocksWithoutRedisRefusesNewBlocks()
    {
        var (store, _) = Store(ramBytes: 2 * BlockBytes);
        await store.PutAsync(Model, Hash(1), Bytes(1, BlockBytes));
        await store.PutAsync(Model, Hash(2), Bytes(2, BlockBytes));
        await store.LeaseAsync(Model, [Hash(1), Hash(2)]);

        await Assert.ThrowsAsync<KvCapacityException>(async () => await store.PutAsync(Model, Hash(3), Bytes(3, BlockBytes)));
        await Assert.ThrowsAsync<KvCapacityException>(async () => await store.PutAsync(Model, Hash(4), Bytes(4, 3 * BlockBytes)));
        Assert.Equal(2L, (await store.GetStatsAsync()).RamBlocks);
    }

    [Fact]
    public async Task BlocksOverTheSizeLimitAreRejected()
    {
        var (store, _) = Store(ramBytes: 10 * BlockBytes, maxBlockBytes: BlockBytes);
        await Assert.ThrowsAsync<KvBlockTooLargeException>(async () => await store.PutAsync(Model, Hash(1), Bytes(1, BlockBytes + 1)));
    }

    [Fact]
    public async Task LookupCountsLeadingHeldBlocks()
    {
        var (store, _) = Store(ramBytes: 10 * BlockBytes);
        foreach (int n in new[] { 1, 2, 4 }) await store.PutAsync(Model, Hash(n), Bytes(n, BlockBytes));

        Assert.Equal(2, await store.LookupPrefixAsync(Model, [Hash(1), Hash(2), Hash(3), Hash(4)]));
        Assert.Equal(0, await store.LookupPrefixAsync(Model, [Hash(3), Hash(1)]));
        Assert.Equal(0, await store.LookupPrefixAsync(Model, []));
    }

    [Fact]
    public async Task FingerprintsNeverShareBlocks()
    {
        var (store, _) = Store(ramBytes: 10 * BlockBytes);
        await store.PutAsync("model-a", Hash(1), Bytes(1, BlockBytes));
        await store.PutAsync("model-b", Hash(1), Bytes(2, BlockBytes));

        Assert.Equal(Bytes(1, BlockBytes), (await store.TryGetAsync("model-a", Hash(1)))!.Value.ToArray());
        Assert.Equal(Bytes(2, BlockBytes), (await store.TryGetAsync("model-b", Hash(1)))!.Value.ToArray());
        Assert.Null(await store.TryGetAsync("model-c", Hash(1)));
        Assert.Equal(0, await store.LookupPrefixAsync("model-c", [Hash(1)]));
        KvLease lease = await store.LeaseAsync("model-a", [Hash(1)]);
        Assert.False(await store.ReleaseAsync(lease with { Fingerprint = "model-b" }));
        Assert.True(await store.ReleaseAsync(lease));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("glob*")]
    [InlineData("slash/model")]
    public async Task MalformedFingerprintsAreRejected(string fingerprint)
    {
        var (store, _) = Store(ramBytes: BlockBytes);
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.PutAsync(fingerprint, Hash(1), Bytes(1, 10)));
    }

    [Fact]
    public async Task PutManyAndGetManyKeepRequestOrderAndSkipMissing()
    {
        var (store, _) = Store(ramBytes: 10 * BlockBytes);
        int stored = await store.PutManyAsync(Model, Chain(1, 3));
        List<KvBlock> read = [];
        await foreach (KvBlock block in store.GetManyAsync(Model, [Hash(3), Hash(9), Hash(1)])) read.Add(block);

        Assert.Equal(3, stored);
        Assert.Equal([Hash(3), Hash(1)], read.Select(b => b.Hash));
        Assert.Equal(Hash(2), read[0].Parent);
        Assert.Null(read[1].Parent);
        Assert.Equal(Bytes(3, BlockBytes), read[0].Data.ToArray());
    }

    [Fact]
    public void ZeroRamWithoutRedisIsRefused() =>
        Assert.Throws<ArgumentException>(() => Store(ramBytes: 0));

    /// <summary>Blocks <paramref name="first"/>..<paramref name="last"/> chained by parent, produced asynchronously.</summary>
    internal static async IAsyncEnumerable<KvBlock> Chain(int first, int last, int bytes = BlockBytes)
    {
        for (int n = first; n <= last; n++)
        {
            await Task.Yield();
            yield return new KvBlock(Hash(n), Bytes(n, bytes), n == first ? null : Hash(n - 1));
        }
    }
}
