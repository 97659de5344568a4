using Mesh.Contracts;
using Mesh.KvCache;

namespace Mesh.Workers.Prefill;

/// <summary>
/// A prefill's KV as taken off the engine: the keys of its blocks, the bytes of those the KV cache does not hold
/// yet, the token manifest and the checksum over every block's filled slots.
/// </summary>
/// <param name="Keys">Every block's key, in order (chain hashes, then the partial block's key).</param>
/// <param name="NewBlocks">Blocks to write; blocks the cache already held are left out.</param>
/// <param name="Manifest">Prompt token ids (<see cref="Kv.PromptManifest"/>).</param>
/// <param name="KvTokens">Positions with KV.</param>
/// <param name="Checksum">Checksum text for the KV reference.</param>
/// <param name="CachedTokens">Prompt tokens that came from the prefix cache.</param>
internal sealed record HandOff(BlockHash[] Keys, KvBlock[] NewBlocks, byte[] Manifest, int KvTokens, string Checksum, int CachedTokens);
