namespace Mesh.Contracts;

/// <summary>
/// Names KV state without holding it; the bytes travel on the KV data plane. A worker verifies
/// <see cref="ModelFingerprint"/>, <see cref="Layout"/> and <see cref="Checksum"/> before use: a mismatch
/// is a loud error and a retry (recompute), never silently wrong tokens.
/// </summary>
/// <param name="ModelFingerprint">Hash of weights + tokenizer + KV layout.</param>
/// <param name="Layout">dtype, block size, layers, KV heads, head dim.</param>
/// <param name="Blocks">Chain of block hashes, first block first; the last block may be partial.</param>
/// <param name="TokenCount">Tokens covered (≤ Blocks.Length × BlockSize).</param>
/// <param name="Owner">Worker (or kvcache instance) holding the bytes.</param>
/// <param name="Tier">Where the owner holds them.</param>
/// <param name="LeaseExpiry">The owner keeps the blocks pinned until then; renew or re-fetch after.</param>
/// <param name="Checksum">Checksum of the KV bytes, algorithm-prefixed (e.g. <c>xxh64:…</c>).</param>
public sealed record KvRef(
    string ModelFingerprint,
    KvLayout Layout,
    BlockHash[] Blocks,
    int TokenCount,
    WorkerId Owner,
    KvTier Tier,
    DateTimeOffset LeaseExpiry,
    string Checksum);
