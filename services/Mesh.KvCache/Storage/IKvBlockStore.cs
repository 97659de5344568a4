using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>
/// Content-addressed KV blocks: the seam between the workers that produce and consume KV (prefill, decode)
/// and whoever holds the bytes. <see cref="TieredBlockStore"/> holds them in this process (RAM, spilling to
/// Redis); <see cref="KvCacheHttpClient"/> reaches a kvcache service over the HTTP data plane.
/// </summary>
/// <remarks>
/// One block is every layer's K and V for BlockSize positions, as opaque bytes; the store never looks inside.
/// A block's <see cref="BlockHash"/> names its content (the hash chains over the tokens before it), so a block
/// is written once and never changes: a second put of the same hash is a no-op. Every call names the model
/// <c>fingerprint</c> (weights + tokenizer + KV layout; letters, digits and <c>. _ - :</c>, at most 200 characters):
/// blocks of different fingerprints never mix, even under equal hashes. Bytes are checksummed (xxHash64) in
/// every tier and on the wire; a block that fails its checksum is a miss, never returned.
/// </remarks>
public interface IKvBlockStore
{
    /// <summary>
    /// Stores one block. <paramref name="parent"/> is the block before it in its chain (null for the first
    /// block); it travels on the Stored event so the scheduler can link the prefix tree. The store copies
    /// <paramref name="data"/>; the caller may reuse its buffer once the call returns.
    /// </summary>
    /// <returns>The tier that took the block: RAM, or Redis when RAM is full of leased blocks.</returns>
    /// <exception cref="KvCapacityException">No tier can hold the block.</exception>
    /// <exception cref="KvBlockTooLargeException">The block exceeds <see cref="KvCacheOptions.MaxBlockBytes"/>.</exception>
    ValueTask<KvTier> PutAsync(
        string fingerprint, BlockHash hash, ReadOnlyMemory<byte> data, BlockHash? parent = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores blocks as the caller produces them (a prefill streams its chain while it runs); remotely this is
    /// one streamed request. Blocks stored before a failure stay stored.
    /// </summary>
    /// <returns>Blocks read (including ones already present).</returns>
    ValueTask<int> PutManyAsync(string fingerprint, IAsyncEnumerable<KvBlock> blocks, CancellationToken cancellationToken = default);

    /// <summary>
    /// The block's bytes, or null when no tier holds it (or the copy found failed its checksum). The memory is
    /// immutable and stays valid after eviction; do not write to it.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>?> TryGetAsync(string fingerprint, BlockHash hash, CancellationToken cancellationToken = default);

    /// <summary>
    /// The blocks of <paramref name="hashes"/> that are held, in request order, streamed as they are read;
    /// missing blocks are skipped (compare <see cref="KvBlock.Hash"/> to see which).
    /// </summary>
    IAsyncEnumerable<KvBlock> GetManyAsync(string fingerprint, IReadOnlyList<BlockHash> hashes, CancellationToken cancellationToken = default);

    /// <summary>How many leading blocks of <paramref name="chain"/> are held in any tier (the longest cached prefix).</summary>
    ValueTask<int> LookupPrefixAsync(string fingerprint, IReadOnlyList<BlockHash> chain, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pins the longest held prefix of <paramref name="chain"/> in RAM (promoting blocks from Redis) until
    /// <paramref name="ttl"/> (default <see cref="KvCacheOptions.LeaseDefault"/>, at most
    /// <see cref="KvCacheOptions.LeaseMax"/>) passes or the lease is released. Pinned blocks are never evicted.
    /// </summary>
    /// <returns>The lease; <see cref="KvLease.Blocks"/> says how many leading blocks it pins (possibly 0).</returns>
    ValueTask<KvLease> LeaseAsync(
        string fingerprint, IReadOnlyList<BlockHash> chain, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Unpins the lease's blocks; false when it had already expired or been released.</summary>
    ValueTask<bool> ReleaseAsync(KvLease lease, CancellationToken cancellationToken = default);

    /// <summary>Counters per tier and what RAM holds now.</summary>
    ValueTask<KvStoreStats> GetStatsAsync(CancellationToken cancellationToken = default);
}
