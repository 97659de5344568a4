using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace Mesh.Kernels.Cpu;

/// <summary>Causal attention of one token over its sequence's paged KV, head by head:
/// scores = q·kᵀ/√d with the tile set's dot, softmax, then the V rows accumulated in position order.
/// Per token, so a token's output does not depend on the rest of its batch. An F16 pool goes to
/// <see cref="AttentionKernelF16{TTiles}"/>, which widens the rows and makes the same tile calls.</summary>
internal static unsafe class AttentionKernel<TTiles> where TTiles : struct, IDotTiles
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ReadOnlySpan<float> q, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int heads, int kvHeads, int headDim, int headBegin, int headEnd)
    {
        if (kv.Type == KvCacheType.F16)
        {
            AttentionKernelF16<TTiles>.Run(q, kv, blockTable, length, output, scores, heads, kvHeads, headDim, headBegin, headEnd);
            return;
        }
        AttentionArguments.Check(q, kv, blockTable, length, output, scores, headDim, headBegin, headEnd);
        int group = heads / kvHeads, bs = kv.BlockSize;
        float scale = 1f / MathF.Sqrt(headDim);
        var s = scores[..length];
        fixed (float* pq = q)
        fixed (float* po = output)
        fixed (float* ps = s)
        fixed (int* table = blockTable)
        {
            for (int h = headBegin; h < headEnd; h++)
            {
                int kvOff = h / group * headDim;
                float* qh = pq + h * headDim;
                long stride = (long)kv.KvDim * sizeof(float);
                int rowBytes = headDim * sizeof(float);
                KvPrefetch.Rows((byte*)(kv.K(table[0]) + kvOff), stride, Math.Min(bs, length), rowBytes);
                for (int p0 = 0; p0 < length; p0 += bs)
                {
                    float* k = kv.K(table[p0 / bs]) + kvOff;
                    int end = Math.Min(bs, length - p0), j = 0;
                    if (p0 + bs < length) KvPrefetch.Rows((byte*)(kv.K(table[p0 / bs + 1]) + kvOff), stride, Math.Min(bs, length - p0 - bs), rowBytes);
                    // four positions at a time through the decode tile: the same dot per position
                    for (; j + 4 <= end; j += 4)
                        TTiles.Tile4x1(k + (long)j * kv.KvDim, kv.KvDim, qh, headDim, ps + p0 + j, k + (long)(j + 4) * kv.KvDim);
                    for (; j < end; j++) ps[p0 + j] = TTiles.Dot(qh, k + (long)j * kv.KvDim, headDim);
                }
                KvPrefetch.Rows((byte*)(kv.V(table[0]) + kvOff), stride, Math.Min(bs, length), rowBytes);
                TensorPrimitives.Multiply(s, scale, s);
                TensorPrimitives.SoftMax(s, s);
                float* oh = po + h * headDim;
                new Span<float>(oh, headDim).Clear();
                for (int p0 = 0; p0 < length; p0 += bs)
                {
                    float* v = kv.V(table[p0 / bs]) + kvOff;
                    int end = Math.Min(bs, length - p0);
                    if (p0 + bs < length) KvPrefetch.Rows((byte*)(kv.V(table[p0 / bs + 1]) + kvOff), stride, Math.Min(bs, length - p0 - bs), rowBytes);
                    for (int j = 0; j < end; j++) TTiles.MultiplyAdd(v + (long)j * kv.KvDim, ps[p0 + j], oh, headDim);
                }
            }
        }
    }
}

/// <summary>The argument checks every attention kernel makes before it touches memory.</summary>
internal static class AttentionArguments
{
    public static void Check(ReadOnlySpan<float> q, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int headDim, int headBegin, int headEnd)
    {
        if (length > scores.Length || length > blockTable.Length * kv.BlockSize)
            throw new ArgumentException($"attention over {length} positions given {scores.Length} scores and {blockTable.Length} blocks of {kv.BlockSize}");
        if (q.Length < headEnd * headDim || output.Length < headEnd * headDim)
            throw new ArgumentException($"attention heads [{headBegin}, {headEnd}) of {headDim} need q and output of {headEnd * headDim} floats");
    }
}
