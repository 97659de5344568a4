using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>A snapshot of a store: what RAM holds now, and counters since start per tier.</summary>
/// <param name="RamBlocks">Blocks in RAM.</param>
/// <param name="RamBytes">Payload bytes in RAM.</param>
/// <param name="RamBudgetBytes">The RAM tier's byte budget.</param>
/// <param name="PinnedBlocks">RAM blocks pinned by at least one lease.</param>
/// <param name="Leases">Leases open.</param>
/// <param name="EventsDropped">KvEvents dropped because the bus fell behind.</param>
/// <param name="Tiers">RAM first, then Redis when configured.</param>
public sealed record KvStoreStats(
    long RamBlocks, long RamBytes, long RamBudgetBytes, long PinnedBlocks, int Leases, long EventsDropped, KvTierStats[] Tiers)
{
    /// <summary>The counters of <paramref name="tier"/>, or null when the store has no such tier.</summary>
    public KvTierStats? For(KvTier tier) => Array.Find(Tiers, t => t.Tier == tier);
}

/// <summary>Counters of one tier since start.</summary>
/// <param name="Tier">Which tier.</param>
/// <param name="Puts">Blocks written to the tier (RAM: new blocks put by callers; Redis: every write, demotions included).</param>
/// <param name="Hits">Reads the tier answered.</param>
/// <param name="Misses">Reads it could not (absent, or corrupt).</param>
/// <param name="Evictions">RAM: blocks evicted to make room. Redis evicts by TTL and maxmemory on its own and is not counted.</param>
/// <param name="Demotions">RAM: evicted blocks written to the next tier (spill).</param>
/// <param name="Promotions">RAM: blocks copied up from the next tier on a read or lease.</param>
/// <param name="ChecksumErrors">Stored copies that failed their checksum or header check (each also a miss).</param>
/// <param name="TransportErrors">Failed calls to the tier's server.</param>
/// <param name="BytesWritten">Payload bytes written.</param>
/// <param name="BytesRead">Payload bytes read on hits.</param>
public sealed record KvTierStats(
    KvTier Tier,
    long Puts,
    long Hits,
    long Misses,
    long Evictions,
    long Demotions,
    long Promotions,
    long ChecksumErrors,
    long TransportErrors,
    long BytesWritten,
    long BytesRead);
