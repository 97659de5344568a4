using System.Numerics.Tensors;
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
        // [16, headDim]: an F16 block's rows of this KV head, widened (or placed) once for the group
        float* widened = stackalloc float[half ? AttentionKernelF16<TTiles>.BlockRows * headDim : 1];
        float* qh = q + (long)headBegin * headDim, oh = output + (long)headBegin * headDim;
        // the scaled path (see AttentionKernelF16): [n, headDim] queries times 2^112
        bool scaled = half && TTiles.F16Scaled && headDim % 16 == 0 && n * headDim <= MaxScaledQueries
            && TensorPrimitives.MaxMagnitude(new ReadOnlySpan<float>(qh, n * headDim)) < 65536f;
        float* qScaled = stackalloc float[scaled ? n * headDim : 1];
        if (scaled) TensorPrimitives.Multiply(new ReadOnlySpan<float>(qh, n * headDim), HalfWidener.Rebias, new Span<float>(qScaled, n * headDim));

        KvPrefetch.Start(kv, false, table, length, kvOff, headDim);
        for (int p0 = 0; p0 < length; p0 += bs)
        {
            int end = Math.Min(bs, length - p0);
            KvPrefetch.Block(kv, false, table, p0 / bs + KvPrefetch.BlocksAhead, length, kvOff, headDim);
            // a block holding an Inf or NaN half is widened exactly instead
            if (scaled && HalfWidener.PlaceRows((ushort*)kv.KHalf(table[p0 / bs]) + kvOff, kv.KvDim, widened, headDim, end))
                Keys(widened, headDim, end, qScaled, n, headDim, scores + p0, length);
            else
            {
                float* k = AttentionRunKernel<TTiles>.Rows(kv, false, table[p0 / bs], kvOff, end, half, widened, headDim, out nint ld);
                Keys(k, ld, end, qh, n, headDim, scores + p0, length);
            }
        }

        KvPrefetch.Start(kv, true, table, length, kvOff, headDim);
        for (int i = 0; i < n; i++)
        {
            var s = new Span<float>(scores + (long)i * length, length);
            AttentionSoftmax.Apply(s, scale);
            if (scaled) TensorPrimitives.Multiply(s, HalfWidener.Rebias, s);   // exact: p ≤ 1
        }
        if (scaled && !Values(kv, table, length, kvOff, widened, headDim, scores, n, oh, placed: true))
        {
            // a value row held an Inf or NaN half: the weights back to themselves (exact) and the outputs widened
            TensorPrimitives.Multiply(new Span<float>(scores, n * length), 1f / HalfWidener.Rebias, new Span<float>(scores, n * length));
            scaled = false;
        }
        if (!scaled) Values(kv, table, length, kvOff, widened, headDim, scores, n, oh, placed: false);
    }

    /// <summary>Largest group of queries (heads × head dim) the scaled path keeps on the stack.</summary>
    private const int MaxScaledQueries = 4096;

    /// <summary>Scores of <paramref name="count"/> key rows at k (stride ld) for n queries: 4 positions × 4 heads, then
    /// the heads left one by one — the same dot per (head, position).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keys(float* k, nint ld, int count, float* queries, int n, int headDim, float* scores, int length)
    {
        int j = 0;
        for (; j + 4 <= count; j += 4)
            AttentionRunKernel<TTiles>.FourKeys(k + j * ld, ld, queries, headDim, n, headDim, scores + j, length);
        for (; j < count; j++)
            for (int i = 0; i < n; i++)
                scores[(long)i * length + j] = TTiles.Dot(queries + (long)i * headDim, k + j * ld, headDim);
    }

    /// <summary>The outputs of the n heads from the weights in scores: each block's value rows widened (or, when
    /// <paramref name="placed"/>, only moved to their bit places, the weights being scaled) into scratch, four heads'
    /// outputs in registers. False (placed only) when a block holds an Inf or NaN half.</summary>
    private static bool Values(in PagedKvView kv, int* table, int length, int kvOff, float* scratch, int headDim, float* scores,
        int n, float* oh, bool placed)
    {
        bool half = kv.Type == KvCacheType.F16;
        new Span<float>(oh, n * headDim).Clear();
        for (int p0 = 0; p0 < length; p0 += kv.BlockSize)
        {
            int end = Math.Min(kv.BlockSize, length - p0);
            KvPrefetch.Block(kv, true, table, p0 / kv.BlockSize + KvPrefetch.BlocksAhead, length, kvOff, headDim);
            float* v;
            nint ld;
            if (placed)
            {
                if (!HalfWidener.PlaceRows((ushort*)kv.VHalf(table[p0 / kv.BlockSize]) + kvOff, kv.KvDim, scratch, headDim, end)) return false;
                v = scratch;
                ld = headDim;
            }
            else v = AttentionRunKernel<TTiles>.Rows(kv, true, table[p0 / kv.BlockSize], kvOff, end, half, scratch, headDim, out ld);
            for (int i = 0; i < n; i += 4)
                TTiles.MultiplyAddRows(v, ld, end, scores + (long)i * length + p0, length, Math.Min(4, n - i), oh + (long)i * headDim, headDim, headDim);
        }
        return true;
    }
}
