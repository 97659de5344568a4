using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>A KV block operation failed; the subclasses say why.</summary>
public class KvCacheException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Bytes do not match their checksum: corrupted in transit or at rest. Never use them; recompute.</summary>
public sealed class KvChecksumException(BlockHash? hash, string message) : KvCacheException(message)
{
    /// <summary>The block, when known (a rejected multi-block put names it only in the message).</summary>
    public BlockHash? Hash { get; } = hash;

    /// <summary>The bytes of <paramref name="hash"/> hash to <paramref name="actual"/>, not <paramref name="expected"/>.</summary>
    public static KvChecksumException Mismatch(string fingerprint, BlockHash hash, ulong expected, ulong actual) => new(
        hash,
        $"KV block {hash} of '{fingerprint}' failed its checksum: expected {BlockChecksum.Format(expected)}, got {BlockChecksum.Format(actual)}.");
}

/// <summary>No tier can take the block: RAM is full of leased blocks (or smaller than the block) and no Redis tier is configured.</summary>
public sealed class KvCapacityException(string message) : KvCacheException(message);

/// <summary>The block is larger than <see cref="KvCacheOptions.MaxBlockBytes"/>.</summary>
public sealed class KvBlockTooLargeException(string message) : KvCacheException(message)
{
    /// <summary><paramref name="bytes"/> exceed <paramref name="limit"/>.</summary>
    public static KvBlockTooLargeException For(BlockHash hash, long bytes, int limit) =>
        new($"KV block {hash} has {bytes} bytes; the limit (KvCache:MaxBlockBytes) is {limit}.");
}

/// <summary>A tier's server (Redis) refused or could not be reached while writing.</summary>
public sealed class KvTierUnavailableException(KvTier tier, Exception inner)
    : KvCacheException($"The {tier} tier is unavailable: {inner.Message}", inner);

/// <summary>The kvcache service answered with an error this client has no typed exception for.</summary>
public sealed class KvRemoteException(int statusCode, string code, string message)
    : KvCacheException($"kvcache answered {statusCode} ({code}): {message}")
{
    /// <summary>HTTP status.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>The error code of the service's JSON error body.</summary>
    public string Code { get; } = code;
}
