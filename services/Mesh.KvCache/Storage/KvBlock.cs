using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>One block and its place in its chain.</summary>
/// <param name="Hash">Content address.</param>
/// <param name="Data">Every layer's K and V for the block's positions, opaque.</param>
/// <param name="Parent">The block before it in the chain; null for the first block (or when unknown).</param>
public readonly record struct KvBlock(BlockHash Hash, ReadOnlyMemory<byte> Data, BlockHash? Parent = null);
