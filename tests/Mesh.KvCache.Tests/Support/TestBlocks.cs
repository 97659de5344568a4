using Mesh.Contracts;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Mesh.KvCache.Tests;

/// <summary>Deterministic block bytes, fingerprints and stores for the tests.</summary>
internal static class TestBlocks
{
    /// <summary>Hash of block <paramref name="n"/> in these tests.</summary>
    public static BlockHash Hash(int n) => new((ulong)n * 0x9E3779B97F4A7C15UL + 1);

    /// <summary><paramref name="length"/> bytes that differ per <paramref name="seed"/>.</summary>
    public static byte[] Bytes(int seed, int length)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>A fingerprint no other test uses, so tests sharing one Redis never see each other's keys.</summary>
    public static string Fingerprint(string label) => $"test-{label}-{Guid.NewGuid():N}";

    public static (TieredBlockStore Store, KvEventQueue Events) Store(
        long ramBytes, IConnectionMultiplexer? redis = null, TimeProvider? clock = null, TimeSpan? blockTtl = null, int maxBlockBytes = 64 << 20)
    {
        TimeProvider time = clock ?? new ManualClock();
        var options = new KvCacheOptions { RamBytes = ramBytes, BlockTtl = blockTtl, MaxBlockBytes = maxBlockBytes, LeaseMax = TimeSpan.FromHours(1) };
        var events = new KvEventQueue(new WorkerId("kvcache-test"), 1024, time);
        return (new TieredBlockStore(options, redis, events, time, NullLogger<TieredBlockStore>.Instance), events);
    }

    /// <summary>Every event queued so far.</summary>
    public static List<KvEvent> Drain(this KvEventQueue events)
    {
        List<KvEvent> drained = [];
        while (events.Reader.TryRead(out KvEvent? e)) drained.Add(e);
        return drained;
    }
}
