namespace Mesh.Kernels;

/// <summary>Where the KV of one layer lives inside a paged block pool. The pool is one native
/// allocation laid out as <c>[block, layer, K|V, slot, kvDim]</c> (F32), so one block holds every
/// layer's K and V for <see cref="BlockSize"/> consecutive positions and moves as one piece.</summary>
public readonly unsafe struct PagedKvView
{
    /// <summary>Start of the pool: [blocks, layers, 2, blockSize, kvDim].</summary>
    public readonly float* Pool;
    public readonly int BlockSize;
    public readonly int KvDim;
    /// <summary>Floats per block (layers · 2 · blockSize · kvDim).</summary>
    public readonly long BlockStride;
    /// <summary>Offset of this layer inside a block (layer · 2 · blockSize · kvDim).</summary>
    public readonly long LayerOffset;

    public PagedKvView(float* pool, int blockSize, int kvDim, int layers, int layer)
    {
        Pool = pool;
        BlockSize = blockSize;
        KvDim = kvDim;
        BlockStride = (long)layers * 2 * blockSize * kvDim;
        LayerOffset = (long)layer * 2 * blockSize * kvDim;
    }

    /// <summary>K rows of this layer in <paramref name="block"/>: [blockSize, kvDim].</summary>
    public float* K(int block) => Pool + block * BlockStride + LayerOffset;
    /// <summary>V rows of this layer in <paramref name="block"/>: [blockSize, kvDim].</summary>
    public float* V(int block) => Pool + block * BlockStride + LayerOffset + (long)BlockSize * KvDim;
}
