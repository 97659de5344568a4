using System.Runtime.CompilerServices;

namespace Mesh.Kernels.Cpu;

/// <summary>
/// Attention of one token for the query heads that share one KV head (grouped-query attention), all together: each
/// K and V row of the group is read — and, from an F16 pool, widened — once for every head of the group instead of
/// once per head. Keys go through the 4 keys × 4 queries tile with the heads as its queries, values through
/// <see cref="IDotTiles.MultiplyAddRows"/> with four heads' outputs in registers. Every (head, position) dot and
/// every output's multiply-add sequence is <see cref="AttentionKernel{TTiles}"/>'s head-by-head one (as for the
/// tokens of <see cref="AttentionRunKernel{TTiles}"/>), so the output is the same bit for bit.
/// </summary>
internal static unsafe class AttentionGroupKernel<TTiles> where TTiles : struct, IDotTiles
{
    /// <summary>
    /// Heads [<paramref name="headBegin"/>, <paramref name="headEnd"/>), which all read the KV head at
    /// <paramref name="kvOff"/> floats into a row, attend <paramref name="length"/> positions.
    /// <paramref name="scores"/>: [heads of the group, length] floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    public static void Run(float* q, in PagedKvView kv, int* table, int length, float* output, float* scores,
        int headDim, int headBegin, int headEnd, int kvOff)
    {
        int n = headEnd - headBegin, bs = kv.BlockSize;
        bool half = kv.Type == KvCacheType.F16;
        float scale = 1f / MathF.Sqrt(headDim);
        // [16, headDim]: an F16 block's rows of this KV head, widened once for the group
        float* widened = stackalloc float[half ? AttentionKernelF16<TTiles>.BlockRows * headDim : 1];
        float* qh = q + (long)headBegin * headDim, oh = output + (long)headBegin * headDim;

        KvPrefetch.Start(kv, false, table, length, kvOff, headDim);
        for (int p0 = 0; p0 < length; p0 += bs)
        {
            int end = Math.Min(bs, length - p0), j = 0;
            KvPrefetch.Block(kv, false, table, p0 / bs + KvPrefetch.BlocksAhead, length, kvOff, headDim);
            float* k = AttentionRunKernel<TTiles>.Rows(kv, false, table[p0 / bs], kvOff, end, half, widened, headDim, out nint ld);
            // 4 positions × 4 heads, then the heads left one by one: the same dot per (head, position)
            for (; j + 4 <= end; j += 4)
                AttentionRunKernel<TTiles>.FourKeys(k + j * ld, ld, qh, headDim, n, headDim, scores + p0 + j, length);
            for (; j < end; j++)
                for (int i = 0; i < n; i++)
                    scores[(long)i * length + p0 + j] = TTiles.Dot(qh + (long)i * headDim, k + j * ld, headDim);
        }

        KvPrefetch.Start(kv, true, table, length, kvOff, headDim);
        for (int i = 0; i < n; i++)
        {
            var s = new Span<float>(scores + (long)i * length, length);
            AttentionSoftmax.Apply(s, scale);
            new Span<float>(oh + (long)i * headDim, headDim).Clear();
        }
        for (int p0 = 0; p0 < length; p0 += bs)
        {
            int end = Math.Min(bs, length - p0);
            KvPrefetch.Block(kv, true, table, p0 / bs + KvPrefetch.BlocksAhead, length, kvOff, headDim);
            float* v = AttentionRunKernel<TTiles>.Rows(kv, true, table[p0 / bs], kvOff, end, half, widened, headDim, out nint ld);
            for (int i = 0; i < n; i += 4)
                TTiles.MultiplyAddRows(v, ld, end, scores + (long)i * length + p0, length, Math.Min(4, n - i), oh + (long)i * headDim, headDim, headDim);
        }
    }
}
