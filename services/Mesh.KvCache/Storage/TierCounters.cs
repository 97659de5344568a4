using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>Monotonic counters of one tier, bumped with <see cref="Interlocked"/> from any thread.</summary>
internal sealed class TierCounters
{
    public long Puts;
    public long Hits;
    public long Misses;
    public long Evictions;
    public long Demotions;
    public long Promotions;
    public long ChecksumErrors;
    public long TransportErrors;
    public long BytesWritten;
    public long BytesRead;

    public KvTierStats Snapshot(KvTier tier) => new(
        tier,
        Interlocked.Read(ref Puts),
        Interlocked.Read(ref Hits),
        Interlocked.Read(ref Misses),
        Interlocked.Read(ref Evictions),
        Interlocked.Read(ref Demotions),
        Interlocked.Read(ref Promotions),
        Interlocked.Read(ref ChecksumErrors),
        Interlocked.Read(ref TransportErrors),
        Interlocked.Read(ref BytesWritten),
        Interlocked.Read(ref BytesRead));
}
