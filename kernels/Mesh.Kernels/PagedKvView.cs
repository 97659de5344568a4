using System.Diagnostics;

namespace Mesh.Kernels;

/// <summary>Where the KV of one layer lives inside a paged block pool. The pool is one native
/// allocation laid out as <c>[block, layer, K|V, slot, kvDim]</c> elements of <see cref="Type"/>, so
/// one block holds every layer's K and V for <see cref="BlockSize"/> consecutive positions and moves
/// as one piece. Offsets are kept in bytes so the F32 and F16 accessors cost the same additions.</summary>
public readonly unsafe struct PagedKvView
{
    /// <summary>Start of the pool: [blocks, layers, 2, blockSize, kvDim] elements.</summary>
    public readonly byte* Pool;
    /// <summary>Element type: read K/V through <see cref="K"/>/<see cref="V"/> (F32) or <see cref="KHalf"/>/<see cref="VHalf"/> (F16).</summary>
    public readonly KvCacheType Type;
    public readonly int BlockSize;
    public readonly int KvDim;
    /// <summary>Bytes per block (layers · 2 · blockSize · kvDim elements).</summary>
    public readonly long BlockStride;
    /// <summary>Byte offset of this layer inside a block (layer · 2 · blockSize · kvDim elements).</summary>
    public readonly long LayerOffset;
    /// <summary>Byte offset of a layer's V rows after its K rows (blockSize · kvDim elements).</summary>
    public readonly long VOffset;

    /// <summary>A view of an F32 pool.</summary>
    public PagedKvView(float* pool, int blockSize, int kvDim, int layers, int layer)
        : this(pool, KvCacheType.F32, blockSize, kvDim, layers, layer) { }

    public PagedKvView(void* pool, KvCacheType type, int blockSize, int kvDim, int layers, int layer)
    {
        int element = type.ElementBytes();
        Pool = (byte*)pool;
        Type = type;
        BlockSize = blockSize;
        KvDim = kvDim;
        VOffset = (long)blockSize * kvDim * element;
        BlockStride = layers * 2 * VOffset;
        LayerOffset = layer * 2 * VOffset;
    }

    /// <summary>K rows of this layer in <paramref name="block"/>: [blockSize, kvDim] F32.</summary>
    public float* K(int block)
    {
        Debug.Assert(Type == KvCacheType.F32);
        return (float*)(Pool + block * BlockStride + LayerOffset);
    }

    /// <summary>V rows of this layer in <paramref name="block"/>: [blockSize, kvDim] F32.</summary>
    public float* V(int block)
    {
        Debug.Assert(Type == KvCacheType.F32);
        return (float*)(Pool + block * BlockStride + LayerOffset + VOffset);
    }

    /// <summary>K rows of this layer in <paramref name="block"/>: [blockSize, kvDim] F16.</summary>
    public Half* KHalf(int block)
    {
        Debug.Assert(Type == KvCacheType.F16);
        return (Half*)(Pool + block * BlockStride + LayerOffset);
    }

    /// <summary>V rows of this layer in <paramref name="block"/>: [blockSize, kvDim] F16.</summary>
    public Half* VHalf(int block)
    {
        Debug.Assert(Type == KvCacheType.F16);
        return (Half*)(Pool + block * BlockStride + LayerOffset + VOffset);
    }
}
