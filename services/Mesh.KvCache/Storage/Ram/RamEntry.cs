using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>One block held in RAM. Mutable fields are guarded by the owning <see cref="RamBlockTier"/>'s lock.</summary>
internal sealed class RamEntry(KvKey key, ReadOnlyMemory<byte> data, BlockHash? parent)
{
    /// <summary>Fingerprint and hash.</summary>
    public KvKey Key { get; } = key;

    /// <summary>The block's bytes; never written after construction, so readers may keep them past eviction.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    /// <summary>The block before it in its chain, kept for the Stored events of later moves between tiers.</summary>
    public BlockHash? Parent { get; } = parent;

    /// <summary>Open leases pinning this block; while above zero the block is off the eviction list.</summary>
    public int Pins;

    /// <summary>Its node in the eviction list while unpinned; null while pinned.</summary>
    public LinkedListNode<RamEntry>? Node;
}
