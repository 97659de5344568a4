using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>What <see cref="RamBlockTier.TryAdd"/> did.</summary>
internal enum RamAdd
{
    /// <summary>The block is new in RAM.</summary>
    Added,

    /// <summary>RAM already held the block; it became the most recently used.</summary>
    Present,

    /// <summary>Evicting every unpinned block would not make room (the rest is leased, or the block exceeds the budget).</summary>
    NoRoom,
}

/// <summary>
/// The RAM tier: blocks under a byte budget, evicted least recently used first, never while a lease pins
/// them. Eviction hands the evicted entries back to the caller, which demotes them (spill) and publishes
/// events outside the lock.
/// </summary>
/// <remarks>
/// One lock guards the index, the eviction list, the byte counts and the leases, so a block is never evicted
/// between being found and being pinned. Pinned entries leave the eviction list, so eviction takes the list's
/// tail without scanning; an entry whose last pin goes returns as the most recently used.
/// </remarks>
internal sealed class RamBlockTier(long budgetBytes, TimeProvider time)
{
    /// <summary>Guards every field below.</summary>
    private readonly Lock _sync = new();

    /// <summary>Every block in RAM.</summary>
    private readonly Dictionary<KvKey, RamEntry> _entries = [];

    /// <summary>Unpinned blocks, most recently used first; the last is the next victim.</summary>
    private readonly LinkedList<RamEntry> _evictable = new();

    /// <summary>Open leases and what they pin.</summary>
    private readonly LeaseBook _leases = new();

    /// <summary>Payload bytes of every block in RAM.</summary>
    private long _bytes;

    /// <summary>Payload bytes of pinned blocks; room for a new block is at most budget minus this.</summary>
    private long _pinnedBytes;

    /// <summary>Blocks pinned by at least one lease.</summary>
    private long _pinnedBlocks;

    /// <summary>The byte budget.</summary>
    public long BudgetBytes { get; } = budgetBytes;

    /// <summary>Puts, hits, misses, evictions, promotions and demotions of this tier.</summary>
    public TierCounters Counters { get; } = new();

    /// <summary>
    /// Adds a block, evicting least recently used unpinned blocks into <paramref name="evicted"/> until it
    /// fits. With <paramref name="pinFor"/> the block is pinned by that lease in the same step (also when it
    /// was already present), so it cannot be evicted in between.
    /// </summary>
    public RamAdd TryAdd(KvKey key, ReadOnlyMemory<byte> data, BlockHash? parent, Guid? pinFor, List<RamEntry> evicted)
    {
        lock (_sync)
        {
            CloseExpiredLeases();
            if (_entries.TryGetValue(key, out RamEntry? present))
            {
                Touch(present);
                if (pinFor is { } presentLease) Pin(presentLease, present);
                return RamAdd.Present;
            }
            long size = data.Length;
            if (size > BudgetBytes - _pinnedBytes) return RamAdd.NoRoom;
            while (_bytes + size > BudgetBytes) Evict(_evictable.Last!.Value, evicted);

            var entry = new RamEntry(key, data, parent);
            _entries.Add(key, entry);
            entry.Node = _evictable.AddFirst(entry);
            _bytes += size;
            if (pinFor is { } lease) Pin(lease, entry);
            return RamAdd.Added;
        }
    }

    /// <summary>The block, made the most recently used; null when RAM does not hold it. Counts a hit or a miss.</summary>
    public RamEntry? TryGet(KvKey key)
    {
        lock (_sync)
        {
            if (!_entries.TryGetValue(key, out RamEntry? entry))
            {
                Interlocked.Increment(ref Counters.Misses);
                return null;
            }
            Touch(entry);
            Interlocked.Increment(ref Counters.Hits);
            Interlocked.Add(ref Counters.BytesRead, entry.Data.Length);
            return entry;
        }
    }

    /// <summary>Whether RAM holds the block; does not count as a use.</summary>
    public bool Contains(KvKey key)
    {
        lock (_sync) return _entries.ContainsKey(key);
    }

    /// <summary>Opens an empty lease of <paramref name="fingerprint"/>'s blocks; fill it with <see cref="TryPin"/> or <see cref="TryAdd"/>.</summary>
    public Guid OpenLease(string fingerprint, DateTimeOffset expiresAt)
    {
        lock (_sync)
        {
            CloseExpiredLeases();
            return _leases.Open(fingerprint, expiresAt);
        }
    }

    /// <summary>Pins a block RAM holds into an open lease; false when RAM lacks it or the lease has closed.</summary>
    public bool TryPin(Guid lease, KvKey key)
    {
        lock (_sync)
        {
            if (!_entries.TryGetValue(key, out RamEntry? entry) || !_leases.TryGet(lease, out _)) return false;
            Pin(lease, entry);
            return true;
        }
    }

    /// <summary>Closes a lease of <paramref name="fingerprint"/> and unpins its blocks; false when it was not open.</summary>
    public bool Release(Guid lease, string fingerprint)
    {
        lock (_sync)
        {
            CloseExpiredLeases();
            if (!_leases.TryClose(lease, fingerprint, out LeaseBook.Lease closed)) return false;
            Unpin(closed);
            return true;
        }
    }

    /// <summary>Blocks, bytes, pinned blocks and open leases, read together.</summary>
    public (long Blocks, long Bytes, long PinnedBlocks, int Leases) Occupancy()
    {
        lock (_sync)
        {
            CloseExpiredLeases();
            return (_entries.Count, _bytes, _pinnedBlocks, _leases.Count);
        }
    }

    /// <summary>The unpinned blocks from next victim to most recently used (tests assert the exact order).</summary>
    internal BlockHash[] EvictionOrder()
    {
        lock (_sync)
        {
            var order = new BlockHash[_evictable.Count];
            int i = 0;
            for (LinkedListNode<RamEntry>? node = _evictable.Last; node is not null; node = node.Previous) order[i++] = node.Value.Key.Hash;
            return order;
        }
    }

    private void Touch(RamEntry entry)
    {
        if (entry.Node is null || entry.Node == _evictable.First) return;
        _evictable.Remove(entry.Node);
        _evictable.AddFirst(entry.Node);
    }

    private void Evict(RamEntry victim, List<RamEntry> evicted)
    {
        _evictable.Remove(victim.Node!);
        victim.Node = null;
        _entries.Remove(victim.Key);
        _bytes -= victim.Data.Length;
        Interlocked.Increment(ref Counters.Evictions);
        evicted.Add(victim);
    }

    private void Pin(Guid lease, RamEntry entry)
    {
        if (!_leases.TryGet(lease, out LeaseBook.Lease open)) return;
        open.Pinned.Add(entry);
        if (entry.Pins++ > 0) return;
        _evictable.Remove(entry.Node!);
        entry.Node = null;
        _pinnedBytes += entry.Data.Length;
        _pinnedBlocks++;
    }

    private void Unpin(LeaseBook.Lease lease)
    {
        foreach (RamEntry entry in lease.Pinned)
        {
            if (--entry.Pins > 0) continue;
            entry.Node = _evictable.AddFirst(entry);
            _pinnedBytes -= entry.Data.Length;
            _pinnedBlocks--;
        }
    }

    /// <summary>Unpins the blocks of every lease past its expiry; runs at the start of each mutation.</summary>
    private void CloseExpiredLeases()
    {
        DateTimeOffset now = time.GetUtcNow();
        while (_leases.TryCloseExpired(now, out LeaseBook.Lease expired)) Unpin(expired);
    }
}
