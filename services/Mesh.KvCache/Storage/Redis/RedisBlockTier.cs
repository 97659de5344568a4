using Mesh.Contracts;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mesh.KvCache;

/// <summary>A block read from Redis, or why none was.</summary>
/// <param name="Block">The verified block; null on a miss.</param>
/// <param name="CorruptRemoved">The key held a value that failed its header or checksum check and was deleted.</param>
internal readonly record struct RedisRead(KvBlock? Block, bool CorruptRemoved);

/// <summary>
/// The Redis tier: each block under <c>mesh:kv:{fingerprint}:{hash}</c> as <see cref="RedisBlockFormat"/>
/// (header with length and xxHash64, then the bytes), with an optional TTL refreshed on every write. Reads
/// verify the checksum: a corrupt value counts as a miss and a checksum error, is deleted, and is never
/// returned. A Redis outage makes reads misses (the caller recomputes) and writes fail with
/// <see cref="KvTierUnavailableException"/>.
/// </summary>
internal sealed class RedisBlockTier(IConnectionMultiplexer redis, TimeSpan? blockTtl, ILogger logger)
{
    /// <summary>SET's expiry: the TTL when configured; otherwise none (SET without EX clears an earlier TTL).</summary>
    private readonly Expiration _expiry = blockTtl is { } ttl ? new Expiration(ttl) : Expiration.Default;

    /// <summary>Prefix of every block key.</summary>
    public const string KeyPrefix = "mesh:kv:";

    public TierCounters Counters { get; } = new();

    public static RedisKey KeyOf(KvKey key) => $"{KeyPrefix}{key.Fingerprint}:{key.Hash}";

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Writes a block (again, when present: the value is the same and the TTL restarts).</summary>
    /// <exception cref="KvTierUnavailableException">Redis refused or could not be reached.</exception>
    public async Task PutAsync(KvKey key, ReadOnlyMemory<byte> data, BlockHash? parent)
    {
        byte[] value = RedisBlockFormat.Encode(data.Span, parent);
        try
        {
            await Db.StringSetAsync(KeyOf(key), value, _expiry).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Interlocked.Increment(ref Counters.TransportErrors);
            throw new KvTierUnavailableException(KvTier.Redis, ex);
        }
        Interlocked.Increment(ref Counters.Puts);
        Interlocked.Add(ref Counters.BytesWritten, data.Length);
    }

    /// <summary>Reads and verifies a block. The payload is a slice of the buffer Redis returned (no copy).</summary>
    public async Task<RedisRead> TryGetAsync(KvKey key)
    {
        RedisValue value;
        try
        {
            value = await Db.StringGetAsync(KeyOf(key)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Interlocked.Increment(ref Counters.TransportErrors);
            Interlocked.Increment(ref Counters.Misses);
            logger.RedisReadFailed(ex, key.ToString());
            return default;
        }
        if (value.IsNull)
        {
            Interlocked.Increment(ref Counters.Misses);
            return default;
        }
        if (!RedisBlockFormat.TryDecode((ReadOnlyMemory<byte>)value, out ReadOnlyMemory<byte> payload, out BlockHash? parent, out string problem))
        {
            Interlocked.Increment(ref Counters.ChecksumErrors);
            Interlocked.Increment(ref Counters.Misses);
            logger.CorruptRedisBlock(key.ToString(), problem);
            return new RedisRead(null, await TryDeleteAsync(key).ConfigureAwait(false));
        }
        Interlocked.Increment(ref Counters.Hits);
        Interlocked.Add(ref Counters.BytesRead, payload.Length);
        return new RedisRead(new KvBlock(key.Hash, payload, parent), false);
    }

    /// <summary>Which of <paramref name="keys"/> exist, in one pipelined round trip; all false when Redis cannot be reached.</summary>
    public async Task<bool[]> ExistAsync(IReadOnlyList<KvKey> keys)
    {
        IDatabase db = Db;
        var pending = new Task<bool>[keys.Count];
        for (int i = 0; i < pending.Length; i++) pending[i] = db.KeyExistsAsync(KeyOf(keys[i]));
        try
        {
            return await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Interlocked.Increment(ref Counters.TransportErrors);
            logger.RedisReadFailed(ex, keys.Count > 0 ? keys[0].ToString() : "");
            return new bool[keys.Count];
        }
    }

    private async Task<bool> TryDeleteAsync(KvKey key)
    {
        try
        {
            return await Db.KeyDeleteAsync(KeyOf(key)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Interlocked.Increment(ref Counters.TransportErrors);
            logger.RedisReadFailed(ex, key.ToString());
            return false;
        }
    }
}
