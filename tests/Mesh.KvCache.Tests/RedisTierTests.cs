using System.Buffers.Binary;
using Mesh.Contracts;
using StackExchange.Redis;
using static Mesh.KvCache.Tests.TestBlocks;

namespace Mesh.KvCache.Tests;

/// <summary>The Redis tier against a real redis-server: round trip, corruption, spill, promotion, cross-tier lookup.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisTierTests(RedisFixture redis)
{
    private const int BlockBytes = 1024;

    private IConnectionMultiplexer Redis
    {
        get
        {
            Skip.If(redis.SkipReason is not null, redis.SkipReason);
            return redis.Connection!;
        }
    }

    private static RedisKey Key(string fingerprint, int n) => $"mesh:kv:{fingerprint}:{Hash(n)}";

    [SkippableFact]
    public async Task RedisOnlyStoreRoundTripsBlocksUnderTheDocumentedKey()
    {
        string model = Fingerprint("roundtrip");
        var (store, _) = Store(ramBytes: 0, Redis, blockTtl: TimeSpan.FromMinutes(10));
        byte[] data = Bytes(1, BlockBytes);

        Assert.Equal(KvTier.Redis, await store.PutAsync(model, Hash(1), data, parent: Hash(7)));

        RedisValue raw = await Redis.GetDatabase().StringGetAsync(Key(model, 1));
        byte[] stored = raw!;
        Assert.Equal(RedisBlockFormat.HeaderBytes + BlockBytes, stored.Length);
        Assert.Equal("MKVB"u8.ToArray(), stored[..4]);
        Assert.Equal((ulong)BlockBytes, BinaryPrimitives.ReadUInt64LittleEndian(stored.AsSpan(8)));
        Assert.Equal(BlockChecksum.Compute(data), BinaryPrimitives.ReadUInt64LittleEndian(stored.AsSpan(16)));
        Assert.Equal(data, stored[RedisBlockFormat.HeaderBytes..]);
        TimeSpan? ttl = await Redis.GetDatabase().KeyTimeToLiveAsync(Key(model, 1));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));

        KvBlock? read = await store.TryGetBlockAsync(new KvKey(model, Hash(1)));
        Assert.Equal(data, read!.Value.Data.ToArray());
        Assert.Equal(Hash(7), read.Value.Parent);
        KvTierStats tier = (await store.GetStatsAsync()).For(KvTier.Redis)!;
        Assert.Equal((1L, 1L, 0L, (long)BlockBytes, (long)BlockBytes), (tier.Puts, tier.Hits, tier.ChecksumErrors, tier.BytesWritten, tier.BytesRead));
    }

    [SkippableFact]
    public async Task CorruptValuesAreMissesAndErrorsNeverBytes()
    {
        string model = Fingerprint("corrupt");
        var (store, events) = Store(ramBytes: 0, Redis);
        IDatabase db = Redis.GetDatabase();
        await store.PutAsync(model, Hash(1), Bytes(1, BlockBytes));
        byte[] flipped = (byte[])(await db.StringGetAsync(Key(model, 1)))!;
        flipped[RedisBlockFormat.HeaderBytes + 10] ^= 0x40;
        await db.StringSetAsync(Key(model, 1), flipped);
        await db.StringSetAsync(Key(model, 2), "not a kv block at all");
        events.Drain();

        Assert.Null(await store.TryGetAsync(model, Hash(1)));
        Assert.Null(await store.TryGetAsync(model, Hash(2)));

        KvTierStats tier = (await store.GetStatsAsync()).For(KvTier.Redis)!;
        Assert.Equal((2L, 2L, 0L), (tier.ChecksumErrors, tier.Misses, tier.Hits));
        Assert.False(await db.KeyExistsAsync(Key(model, 1)));
        Assert.False(await db.KeyExistsAsync(Key(model, 2)));
        Assert.All(events.Drain(), e => Assert.Equal(KvTier.Redis, Assert.IsType<KvBlocksRemoved>(e).Tier));
    }

    [SkippableFact]
    public async Task EvictionSpillsToRedisAndAReadPromotesBack()
    {
        string model = Fingerprint("spill");
        var (store, events) = Store(ramBytes: 2 * BlockBytes, Redis);
        await store.PutAsync(model, Hash(1), Bytes(1, BlockBytes));
        await store.PutAsync(model, Hash(2), Bytes(2, BlockBytes), parent: Hash(1));
        await store.PutAsync(model, Hash(3), Bytes(3, BlockBytes), parent: Hash(2));

        Assert.Equal([Hash(2), Hash(3)], store.Ram.EvictionOrder());
        Assert.True(await Redis.GetDatabase().KeyExistsAsync(Key(model, 1)));

        Assert.Equal(Bytes(1, BlockBytes), (await store.TryGetAsync(model, Hash(1)))!.Value.ToArray());
        Assert.Equal([Hash(3), Hash(1)], store.Ram.EvictionOrder());
        Assert.True(await Redis.GetDatabase().KeyExistsAsync(Key(model, 2)));

        KvStoreStats stats = await store.GetStatsAsync();
        KvTierStats ram = stats.For(KvTier.Ram)!;
        KvTierStats below = stats.For(KvTier.Redis)!;
        Assert.Equal((3L, 2L, 2L, 1L, 1L), (ram.Puts, ram.Evictions, ram.Demotions, ram.Promotions, ram.Misses));
        Assert.Equal((2L, 1L), (below.Puts, below.Hits));

        List<KvEvent> queued = events.Drain();
        var spilled = queued.OfType<KvBlocksStored>().Where(e => e.Tier == KvTier.Redis).ToList();
        Assert.Equal([[Hash(1)], [Hash(2)]], spilled.Select(e => e.Blocks));
        Assert.Equal([null, Hash(1)], spilled.Select(e => e.Parent));
        var promoted = Assert.Single(queued.OfType<KvBlocksStored>(), e => e.Tier == KvTier.Ram && e.Blocks[0] == Hash(1) && e.EventId > 3);
        Assert.Null(promoted.Parent);
        Assert.Equal(2, queued.OfType<KvBlocksRemoved>().Count(e => e.Tier == KvTier.Ram));
    }

    [SkippableFact]
    public async Task LookupFindsTheLongestPrefixAcrossTiers()
    {
        string model = Fingerprint("lookup");
        var (store, _) = Store(ramBytes: 3 * BlockBytes, Redis);
        foreach (int n in new[] { 2, 1, 3, 5 }) await store.PutAsync(model, Hash(n), Bytes(n, BlockBytes));

        Assert.Equal([Hash(1), Hash(3), Hash(5)], store.Ram.EvictionOrder());
        Assert.Equal(3, await store.LookupPrefixAsync(model, [Hash(1), Hash(2), Hash(3), Hash(4), Hash(5)]));
        Assert.Equal(1, await store.LookupPrefixAsync(model, [Hash(2), Hash(4)]));
        Assert.Equal(0, await store.LookupPrefixAsync(Fingerprint("other"), [Hash(1), Hash(2)]));
    }

    [SkippableFact]
    public async Task LookupOfALongChainAsksRedisInWindows()
    {
        string model = Fingerprint("long");
        var (store, _) = Store(ramBytes: BlockBytes, Redis);
        await store.PutManyAsync(model, RamTierTests.Chain(1, 150, bytes: 64));

        BlockHash[] chain = [.. Enumerable.Range(1, 200).Select(Hash)];
        Assert.Equal(150, await store.LookupPrefixAsync(model, chain));
    }

    [SkippableFact]
    public async Task LeasePromotesAndPinsBlocksHeldOnlyInRedis()
    {
        string model = Fingerprint("lease");
        var (store, _) = Store(ramBytes: 2 * BlockBytes, Redis);
        for (int n = 1; n <= 4; n++) await store.PutAsync(model, Hash(n), Bytes(n, BlockBytes));
        Assert.Equal([Hash(3), Hash(4)], store.Ram.EvictionOrder());

        KvLease lease = await store.LeaseAsync(model, [Hash(1), Hash(2), Hash(3)]);

        Assert.Equal(2, lease.Blocks);
        Assert.Empty(store.Ram.EvictionOrder());
        Assert.Equal(KvTier.Redis, await store.PutAsync(model, Hash(5), Bytes(5, BlockBytes)));
        Assert.Equal(2L, (await store.GetStatsAsync()).PinnedBlocks);
        await store.ReleaseAsync(lease);
        Assert.Equal([Hash(1), Hash(2)], store.Ram.EvictionOrder());
    }

    [SkippableFact]
    public async Task FingerprintsAreSeparateKeysInRedis()
    {
        var (store, _) = Store(ramBytes: 0, Redis);
        string a = Fingerprint("iso-a"), b = Fingerprint("iso-b");
        await store.PutAsync(a, Hash(1), Bytes(1, BlockBytes));
        await store.PutAsync(b, Hash(1), Bytes(2, BlockBytes));

        Assert.Equal(Bytes(1, BlockBytes), (await store.TryGetAsync(a, Hash(1)))!.Value.ToArray());
        Assert.Equal(Bytes(2, BlockBytes), (await store.TryGetAsync(b, Hash(1)))!.Value.ToArray());
    }

    [SkippableFact]
    public async Task AnUnreachableRedisMakesReadsMissesAndSpillsDrops()
    {
        _ = Redis;
        ConfigurationOptions dead = ConfigurationOptions.Parse("127.0.0.1:1");
        dead.AbortOnConnectFail = false;
        dead.ConnectTimeout = 200;
        dead.AsyncTimeout = 500;
        dead.BacklogPolicy = BacklogPolicy.FailFast;
        using ConnectionMultiplexer unreachable = await ConnectionMultiplexer.ConnectAsync(dead);
        var (store, _) = Store(ramBytes: BlockBytes, unreachable);
        string model = Fingerprint("down");

        await store.PutAsync(model, Hash(1), Bytes(1, BlockBytes));
        await store.PutAsync(model, Hash(2), Bytes(2, BlockBytes));
        Assert.Null(await store.TryGetAsync(model, Hash(1)));

        KvStoreStats stats = await store.GetStatsAsync();
        Assert.Equal(0L, stats.For(KvTier.Ram)!.Demotions);
        Assert.True(stats.For(KvTier.Redis)!.TransportErrors >= 2);
    }
}

/// <summary>The service wired to Redis from configuration: spill and promotion seen through the data plane.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisServiceTests(RedisFixture redis)
{
    [SkippableFact]
    public async Task TheServiceSpillsToTheConfiguredRedis()
    {
        Skip.If(redis.SkipReason is not null, redis.SkipReason);
        await using var service = new KvCacheFactory(ramBytes: 2 * 1024, redis.Configuration);
        IKvBlockStore kv = service.KvClient();
        string model = Fingerprint("service");

        await kv.PutManyAsync(model, RamTierTests.Chain(1, 3, bytes: 1024));
        Assert.True(await redis.Connection!.GetDatabase().KeyExistsAsync($"mesh:kv:{model}:{Hash(1)}"));
        Assert.Equal(3, await kv.LookupPrefixAsync(model, [Hash(1), Hash(2), Hash(3)]));
        Assert.Equal(Bytes(1, 1024), (await kv.TryGetAsync(model, Hash(1)))!.Value.ToArray());

        KvStoreStats stats = await kv.GetStatsAsync();
        Assert.Equal((2L, 1L), (stats.For(KvTier.Ram)!.Demotions, stats.For(KvTier.Ram)!.Promotions));
        Assert.Equal(1L, stats.For(KvTier.Redis)!.Hits);
    }
}
