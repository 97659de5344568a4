using System.Runtime.CompilerServices;

namespace Mesh.Kernels.Cpu;

/// <summary>Causal attention of one token over its sequence's paged KV, head by head:
/// scores = q·kᵀ/√d with the tile set's dot, softmax, then the V rows accumulated in position order.
/// Per token, so a token's output does not depend on the rest of its batch. An F16 pool goes to
/// <see cref="AttentionKernelF16{TTiles}"/>, which widens the rows and makes the same tile calls. Query heads
/// that share a KV head go to <see cref="AttentionGroupKernel{TTiles}"/> together when the scores have room for
/// all of them (the same bits, each KV row read once for the group).</summary>
internal static unsafe class AttentionKernel<TTiles> where TTiles : struct, IDotTiles
{
    /// <summary>
    /// Heads [<paramref name="headBegin"/>, <paramref name="headEnd"/>): with grouped-query attention and
    /// <paramref name="scores"/> of at least (heads per KV head) × <paramref name="length"/> floats, each KV head's
    /// query heads in the range together; otherwise head by head, in <paramref name="length"/> scores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ReadOnlySpan<float> q, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int heads, int kvHeads, int headDim, int headBegin, int headEnd)
    {
        int group = heads / kvHeads;
        bool grouped = group > 1 && (long)group * length <= scores.Length
            && (kv.Type != KvCacheType.F16 || AttentionKernelF16<TTiles>.ScratchFits(headDim, kv.BlockSize));
        if (!grouped)
        {
            Heads(q, kv, blockTable, length, output, scores, heads, kvHeads, headDim, headBegin, headEnd);
            return;
        }
        AttentionArguments.Check(q, kv, blockTable, length, output, scores, headDim, headBegin, headEnd);
        fixed (float* pq = q)
        fixed (float* po = output)
        fixed (float* ps = scores)
        fixed (int* table = blockTable)
        {
            for (int h = headBegin; h < headEnd;)
            {
                int kvHead = h / group, end = Math.Min(headEnd, (kvHead + 1) * group);
                if (end - h > 1)
                    AttentionGroupKernel<TTiles>.Run(pq, kv, table, length, po, ps, headDim, h, end, kvHead * headDim);
                else
                    Heads(q, kv, blockTable, length, output, scores, heads, kvHeads, headDim, h, end);
                h = end;
            }
        }
    }

    /// <summary>Heads [<paramref name="headBegin"/>, <paramref name="headEnd"/>) one by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Heads(ReadOnlySpan<float> q, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
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
                KvPrefetch.Start(kv, false, table, length, kvOff, headDim);
                for (int p0 = 0; p0 < length; p0 += bs)
                {
                    float* k = kv.K(table[p0 / bs]) + kvOff;
                    int end = Math.Min(bs, length - p0), j = 0;
                    KvPrefetch.Block(kv, false, table, p0 / bs + KvPrefetch.BlocksAhead, length, kvOff, headDim);
                    // four positions at a time through the decode tile: the same dot per position
                    for (; j + 4 <= end; j += 4)
                        TTiles.Tile4x1(k + (long)j * kv.KvDim, kv.KvDim, qh, headDim, ps + p0 + j, k + (long)(j + 4) * kv.KvDim);
                    for (; j < end; j++) ps[p0 + j] = TTiles.Dot(qh, k + (long)j * kv.KvDim, headDim);
                }
                KvPrefetch.Start(kv, true, table, length, kvOff, headDim);
                AttentionSoftmax.Apply(s, scale);
                float* oh = po + h * headDim;
                new Span<float>(oh, headDim).Clear();
                for (int p0 = 0; p0 < length; p0 += bs)
                {
                    float* v = kv.V(table[p0 / bs]) + kvOff;
                    int end = Math.Min(bs, length - p0);
                    KvPrefetch.Block(kv, true, table, p0 / bs + KvPrefetch.BlocksAhead, length, kvOff, headDim);
                    TTiles.MultiplyAddRows(v, kv.KvDim, end, ps + p0, 0, 1, oh, 0, headDim);
                }
            }
        }
    }
}

/// <summary>Causal attention of a run of consecutive tokens of one sequence (a prompt's), head by head: query i
/// attends positions [0, length + i). Each K and V row is read once for the whole run, not once per token —
/// the keys every query sees go through the 4 keys × 4 queries tile, the values through
/// <see cref="IDotTiles.MultiplyAddRows"/> with 4 outputs in registers; an F16 pool's block is widened
/// exactly once per run into a stack scratch first. Every (query, position) dot and every output's
/// multiply-add sequence is <see cref="AttentionKernel{TTiles}"/>'s (and <see cref="AttentionKernelF16{TTiles}"/>'s),
/// so each token's output equals its output alone, bit for bit.</summary>
internal static unsafe class AttentionRunKernel<TTiles> where TTiles : struct, IDotTiles
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    public static void Run(ReadOnlySpan<float> q, int queries, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int heads, int kvHeads, int headDim, int headBegin, int headEnd)
    {
        int qDim = heads * headDim, last = length + queries - 1, sStride = queries > 0 ? scores.Length / queries : 0;
        if (queries < 1 || q.Length < queries * qDim || output.Length < queries * qDim || sStride < last)
            throw new ArgumentException($"attention of {queries} tokens from position {length - 1} needs q and output of {queries} × {qDim} floats and {queries} × {last} scores");
        if (queries == 1)
        {
            AttentionKernel<TTiles>.Run(q[..qDim], kv, blockTable, length, output[..qDim], scores[..sStride], heads, kvHeads, headDim, headBegin, headEnd);
            return;
        }
        AttentionArguments.Check(q, kv, blockTable, last, output, scores, headDim, headBegin, headEnd);
        bool half = kv.Type == KvCacheType.F16;
        if (half) AttentionKernelF16<TTiles>.CheckScratch(headDim, kv.BlockSize);
        int group = heads / kvHeads, bs = kv.BlockSize;
        float scale = 1f / MathF.Sqrt(headDim);
        // [16, headDim]: an F16 block's rows of this head, widened
        float* widened = stackalloc float[half ? AttentionKernelF16<TTiles>.BlockRows * headDim : 1];
        fixed (float* pq = q)
        fixed (float* po = output)
        fixed (float* ps = scores)
        fixed (int* table = blockTable)
        {
            for (int h = headBegin; h < headEnd; h++)
            {
                int kvOff = h / group * headDim;
                float* qh = pq + h * headDim, oh = po + h * headDim;
                for (int p0 = 0; p0 < last; p0 += bs)
                {
                    int end = Math.Min(bs, last - p0), shared = Math.Clamp(length - p0, 0, end), j = 0;
                    float* k = Rows(kv, false, table[p0 / bs], kvOff, end, half, widened, headDim, out nint ld);
                    // positions every query attends: 4 keys × 4 queries, then the queries left one by one
                    for (; j + 4 <= shared; j += 4)
                        FourKeys(k + j * ld, ld, qh, qDim, queries, headDim, ps + p0 + j, sStride);
                    // the rest: position P for the queries that reach it (P < length + i)
                    for (; j < end; j++)
                        for (int i = Math.Max(0, p0 + j - length + 1); i < queries; i++)
                            ps[(long)i * sStride + p0 + j] = TTiles.Dot(qh + (long)i * qDim, k + j * ld, headDim);
                }
                for (int i = 0; i < queries; i++)
                {
                    var s = new Span<float>(ps + (long)i * sStride, length + i);
                    AttentionSoftmax.Apply(s, scale);
                    new Span<float>(oh + (long)i * qDim, headDim).Clear();
                }
                for (int p0 = 0; p0 < last; p0 += bs)
                {
                    int end = Math.Min(bs, last - p0), shared = Math.Clamp(length - p0, 0, end);
                    float* v = Rows(kv, true, table[p0 / bs], kvOff, end, half, widened, headDim, out nint ld);
                    if (shared > 0)
                        for (int i = 0; i < queries; i += 4)
                            TTiles.MultiplyAddRows(v, ld, shared, ps + (long)i * sStride + p0, sStride, Math.Min(4, queries - i), oh + (long)i * qDim, qDim, headDim);
                    for (int j = shared; j < end; j++)
                        for (int i = Math.Max(0, p0 + j - length + 1); i < queries; i++)
                            TTiles.MultiplyAdd(v + j * ld, ps[(long)i * sStride + p0 + j], oh + (long)i * qDim, headDim);
                }
            }
        }
    }

    /// <summary>
    /// Scores of the 4 keys at <paramref name="k"/> (row stride <paramref name="ld"/>) for <paramref name="queries"/>
    /// queries <paramref name="qStride"/> floats apart, into <paramref name="scores"/> (a query's 4 scores
    /// <paramref name="sStride"/> floats after the previous query's): 4 keys × 4 queries through the tile, then the
    /// queries left one by one — the same dot per (query, key) either way. The queries are a run's tokens here, a KV
    /// head's query heads in <see cref="AttentionGroupKernel{TTiles}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void FourKeys(float* k, nint ld, float* q, nint qStride, int queries, int headDim, float* scores, nint sStride)
    {
        int i = 0;
        for (; i + 4 <= queries; i += 4)
            TTiles.Tile4x4(k, ld, q + i * qStride, qStride, headDim, scores + i * sStride, sStride);
        for (; i < queries; i++)
            TTiles.Tile4x1(k, ld, q + i * qStride, headDim, scores + i * sStride, k);
    }

    /// <summary>The first <paramref name="count"/> rows of one head in pool block <paramref name="block"/> as F32 with
    /// row stride <paramref name="ld"/>: in place for an F32 pool, widened exactly into <paramref name="widened"/> for F16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float* Rows(in PagedKvView kv, bool values, int block, int kvOff, int count, bool half, float* widened, int headDim, out nint ld)
    {
        if (!half)
        {
            ld = kv.KvDim;
            return (values ? kv.V(block) : kv.K(block)) + kvOff;
        }
        AttentionKernelF16<TTiles>.Widen((ushort*)(values ? kv.VHalf(block) : kv.KHalf(block)) + kvOff, kv.KvDim, widened, headDim, count);
        ld = headDim;
        return widened;
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
