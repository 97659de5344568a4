using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Mesh.Contracts;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mesh.KvCache;

/// <summary>
/// The in-process <see cref="IKvBlockStore"/>: a RAM tier under a byte budget over an optional Redis tier.
/// Puts land in RAM; RAM evicts least recently used unleased blocks and demotes them to Redis (spill), or
/// drops them without Redis. Reads try RAM, then Redis, and promote a Redis hit into RAM. Lookups count the
/// leading blocks held in either tier. Every move between tiers becomes a <see cref="KvEvent"/> on
/// <see cref="KvEventQueue"/>.
/// </summary>
/// <remarks>
/// RAM holds the block bytes it was given (no copy on read; <see cref="PutAsync"/> copies once on write).
/// Blocks evicted but not yet written to Redis stay readable from <see cref="_spilling"/>, so a block is never
/// briefly absent from both tiers while it moves down.
/// </remarks>
public sealed class TieredBlockStore : IKvBlockStore
{
    /// <summary>Blocks checked against Redis per round trip while looking up a prefix.</summary>
    private const int LookupWindow = 64;

    private readonly RamBlockTier _ram;
    private readonly RedisBlockTier? _redis;
    private readonly KvEventQueue _events;
    private readonly KvCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TieredBlockStore> _logger;

    /// <summary>Blocks evicted from RAM whose Redis write has not finished; readers find them here meanwhile.</summary>
    private readonly ConcurrentDictionary<KvKey, RamEntry> _spilling = new();

    /// <param name="options">RAM budget, TTL and lease limits (<see cref="KvCacheOptions.Redis"/> is read by the DI wiring, not here).</param>
    /// <param name="redis">The Redis tier's connection; null runs RAM only.</param>
    /// <param name="events">Where Stored/Removed events go.</param>
    /// <param name="time">Clock of lease expiry and event times.</param>
    /// <param name="logger">Spill and corruption warnings.</param>
    public TieredBlockStore(
        KvCacheOptions options, IConnectionMultiplexer? redis, KvEventQueue events, TimeProvider time, ILogger<TieredBlockStore> logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.RamBytes);
        if (options.RamBytes == 0 && redis is null)
            throw new ArgumentException("A store with a RAM budget of 0 needs a Redis tier.", nameof(redis));
        _options = options;
        _events = events;
        _time = time;
        _logger = logger;
        _ram = new RamBlockTier(options.RamBytes, time);
        _redis = redis is null ? null : new RedisBlockTier(redis, options.BlockTtl, logger);
    }

    /// <summary>The RAM tier (tests read its eviction order).</summary>
    internal RamBlockTier Ram => _ram;

    /// <inheritdoc />
    public ValueTask<KvTier> PutAsync(
        string fingerprint, BlockHash hash, ReadOnlyMemory<byte> data, BlockHash? parent = null, CancellationToken cancellationToken = default)
    {
        var key = Key(fingerprint, hash);
        CheckSize(hash, data.Length);
        return _ram.Contains(key) ? ValueTask.FromResult(KvTier.Ram) : PutOwnedAsync(key, data.ToArray(), parent);
    }

    /// <summary>Stores a block whose buffer the caller hands over (the data plane reads a body straight into it).</summary>
    internal async ValueTask<KvTier> PutOwnedAsync(KvKey key, ReadOnlyMemory<byte> owned, BlockHash? parent)
    {
        CheckSize(key.Hash, owned.Length);
        List<RamEntry> evicted = [];
        RamAdd added = _ram.TryAdd(key, owned, parent, pinFor: null, evicted);
        await DemoteAsync(evicted).ConfigureAwait(false);
        switch (added)
        {
            case RamAdd.Added:
                Interlocked.Increment(ref _ram.Counters.Puts);
                Interlocked.Add(ref _ram.Counters.BytesWritten, owned.Length);
                _events.Stored(key.Fingerprint, KvTier.Ram, key.Hash, parent);
                return KvTier.Ram;
            case RamAdd.Present:
                return KvTier.Ram;
            default:
                if (_redis is null)
                    throw new KvCapacityException(
                        $"KV block {key} ({owned.Length} bytes) does not fit: RAM budget {_ram.BudgetBytes} bytes is held by leased blocks and no Redis tier is configured.");
                await _redis.PutAsync(key, owned, parent).ConfigureAwait(false);
                _events.Stored(key.Fingerprint, KvTier.Redis, key.Hash, parent);
                return KvTier.Redis;
        }
    }

    /// <inheritdoc />
    public async ValueTask<int> PutManyAsync(string fingerprint, IAsyncEnumerable<KvBlock> blocks, CancellationToken cancellationToken = default)
    {
        KvFingerprint.Validate(fingerprint);
        int count = 0;
        await foreach (KvBlock block in blocks.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await PutAsync(fingerprint, block.Hash, block.Data, block.Parent, cancellationToken).ConfigureAwait(false);
            count++;
        }
        return count;
    }

    /// <inheritdoc />
    public async ValueTask<ReadOnlyMemory<byte>?> TryGetAsync(string fingerprint, BlockHash hash, CancellationToken cancellationToken = default)
    {
        KvBlock? block = await TryGetBlockAsync(Key(fingerprint, hash)).ConfigureAwait(false);
        return block?.Data;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<KvBlock> GetManyAsync(
        string fingerprint, IReadOnlyList<BlockHash> hashes, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        KvFingerprint.Validate(fingerprint);
        foreach (BlockHash hash in hashes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await TryGetBlockAsync(new KvKey(fingerprint, hash)).ConfigureAwait(false) is { } block) yield return block;
        }
    }

    /// <summary>RAM, then a block on its way down, then Redis (promoting a Redis hit into RAM).</summary>
    internal async ValueTask<KvBlock?> TryGetBlockAsync(KvKey key)
    {
        if (_ram.TryGet(key) is { } entry) return new KvBlock(key.Hash, entry.Data, entry.Parent);
        if (await TryGetBelowRamAsync(key).ConfigureAwait(false) is not { } block) return null;
        await PromoteAsync(key, block, pinFor: null).ConfigureAwait(false);
        return block;
    }

    /// <inheritdoc />
    public async ValueTask<int> LookupPrefixAsync(string fingerprint, IReadOnlyList<BlockHash> chain, CancellationToken cancellationToken = default)
    {
        KvFingerprint.Validate(fingerprint);
        int held = 0;
        while (held < chain.Count && InMemory(new KvKey(fingerprint, chain[held]))) held++;
        if (_redis is null) return held;

        // Past the first block missing from memory, ask Redis a window at a time; stop at the first gap.
        var inMemory = new bool[LookupWindow];
        List<KvKey> ask = new(LookupWindow);
        while (held < chain.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int window = Math.Min(LookupWindow, chain.Count - held);
            ask.Clear();
            for (int i = 0; i < window; i++)
            {
                var key = new KvKey(fingerprint, chain[held + i]);
                inMemory[i] = InMemory(key);
                if (!inMemory[i]) ask.Add(key);
            }
            bool[] inRedis = await _redis.ExistAsync(ask).ConfigureAwait(false);
            for (int i = 0, asked = 0; i < window; i++)
            {
                if (!inMemory[i] && !inRedis[asked++]) return held;
                held++;
            }
        }
        return held;
    }

    /// <inheritdoc />
    public async ValueTask<KvLease> LeaseAsync(
        string fingerprint, IReadOnlyList<BlockHash> chain, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        KvFingerprint.Validate(fingerprint);
        TimeSpan length = ttl ?? _options.LeaseDefault;
        if (length <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "A lease must last longer than zero.");
        if (length > _options.LeaseMax) length = _options.LeaseMax;
        DateTimeOffset expiresAt = _time.GetUtcNow() + length;
        Guid lease = _ram.OpenLease(fingerprint, expiresAt);

        int pinned = 0;
        for (; pinned < chain.Count; pinned++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = new KvKey(fingerprint, chain[pinned]);
            if (_ram.TryPin(lease, key)) continue;
            if (await TryGetBelowRamAsync(key).ConfigureAwait(false) is not { } block) break;
            if (await PromoteAsync(key, block, lease).ConfigureAwait(false) == RamAdd.NoRoom) break;
        }
        return new KvLease(lease, fingerprint, pinned, expiresAt);
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(KvLease lease, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_ram.Release(lease.Id, lease.Fingerprint));

    /// <inheritdoc />
    public ValueTask<KvStoreStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        (long blocks, long bytes, long pinned, int leases) = _ram.Occupancy();
        KvTierStats ram = _ram.Counters.Snapshot(KvTier.Ram);
        KvTierStats[] tiers = _redis is null ? [ram] : [ram, _redis.Counters.Snapshot(KvTier.Redis)];
        return ValueTask.FromResult(new KvStoreStats(blocks, bytes, _ram.BudgetBytes, pinned, leases, _events.Dropped, tiers));
    }

    private static KvKey Key(string fingerprint, BlockHash hash)
    {
        KvFingerprint.Validate(fingerprint);
        return new KvKey(fingerprint, hash);
    }

    private void CheckSize(BlockHash hash, long bytes)
    {
        if (bytes > _options.MaxBlockBytes) throw KvBlockTooLargeException.For(hash, bytes, _options.MaxBlockBytes);
    }

    private bool InMemory(KvKey key) => _ram.Contains(key) || _spilling.ContainsKey(key);

    /// <summary>A block evicted but still being written down, else the Redis copy; null without either.</summary>
    private async ValueTask<KvBlock?> TryGetBelowRamAsync(KvKey key)
    {
        if (_spilling.TryGetValue(key, out RamEntry? moving)) return new KvBlock(key.Hash, moving.Data, moving.Parent);
        if (_redis is null) return null;
        RedisRead read = await _redis.TryGetAsync(key).ConfigureAwait(false);
        if (read.CorruptRemoved) _events.Removed(KvTier.Redis, [key.Hash]);
        return read.Block;
    }

    /// <summary>Copies a block from below into RAM (pinned into <paramref name="pinFor"/> when given); demotes what that evicts.</summary>
    private async ValueTask<RamAdd> PromoteAsync(KvKey key, KvBlock block, Guid? pinFor)
    {
        List<RamEntry> evicted = [];
        RamAdd added = _ram.TryAdd(key, block.Data, block.Parent, pinFor, evicted);
        await DemoteAsync(evicted).ConfigureAwait(false);
        if (added == RamAdd.Added)
        {
            Interlocked.Increment(ref _ram.Counters.Promotions);
            _events.Stored(key.Fingerprint, KvTier.Ram, key.Hash, block.Parent);
        }
        return added;
    }

    /// <summary>
    /// Writes blocks RAM evicted to Redis (or drops them without Redis) and publishes the moves. A failed write
    /// loses that block (it is counted and logged); the put that caused the eviction still succeeds.
    /// </summary>
    private async Task DemoteAsync(List<RamEntry> evicted)
    {
        if (evicted.Count == 0) return;
        var hashes = new BlockHash[evicted.Count];
        for (int i = 0; i < hashes.Length; i++) hashes[i] = evicted[i].Key.Hash;
        if (_redis is null)
        {
            _events.Removed(KvTier.Ram, hashes);
            return;
        }

        foreach (RamEntry entry in evicted) _spilling[entry.Key] = entry;
        var writes = new Task[evicted.Count];
        for (int i = 0; i < writes.Length; i++) writes[i] = _redis.PutAsync(evicted[i].Key, evicted[i].Data, evicted[i].Parent);
        try
        {
            await Task.WhenAll(writes).ConfigureAwait(false);
        }
        catch (KvTierUnavailableException ex)
        {
            _logger.SpillFailed(ex, evicted.Count);
        }
        finally
        {
            foreach (RamEntry entry in evicted) _spilling.TryRemove(KeyValuePair.Create(entry.Key, entry));
        }

        List<RamEntry> demoted = new(evicted.Count);
        for (int i = 0; i < writes.Length; i++)
            if (writes[i].IsCompletedSuccessfully) demoted.Add(evicted[i]);
        Interlocked.Add(ref _ram.Counters.Demotions, demoted.Count);
        _events.Removed(KvTier.Ram, hashes);
        _events.Stored(KvTier.Redis, demoted);
    }
}
