using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mesh.Kernels.Cpu;

/// <summary><see cref="AttentionKernel{TTiles}"/> over an F16 KV pool: keys four at a time through the F16 decode
/// tile (<see cref="IDotTiles.F16Tile4x1"/>, widened in registers: the same dot as the F32 tile on the widened
/// rows), the rest widened exactly to F32 (<see cref="HalfWidener"/>) into a stack scratch, and the values a KV
/// block at a time through <see cref="IDotTiles.F16MultiplyAddRows"/> (widened in registers: the same fma sequence
/// as the F32 kernel's <see cref="IDotTiles.MultiplyAddRows"/>). Where the path has them (<see cref="IDotTiles.F16Scaled"/>)
/// and |q| &lt; 2¹⁶, keys and values go through the scaled kernels instead: the halves only moved to their F32 bit
/// places and the 2¹¹² re-bias moved onto the query and the weights, the same exact products and so the same bits at
/// about half the instructions; a tile or row that meets an Inf or NaN half is redone widened. So a token's output
/// equals the F32 kernel's over the widened cache bit for bit, and does not depend on the rest of its batch.</summary>
internal static unsafe class AttentionKernelF16<TTiles> where TTiles : struct, IDotTiles
{
    /// <summary>Keys per decode tile.</summary>
    private const int Rows = 4;

    /// <summary>Rows an F16 attention kernel's stack scratch holds: a KV block of up to 16 positions.</summary>
    internal const int BlockRows = 16;

    /// <summary>Largest head dim an F16 attention kernel's stack scratch takes (16 · 512 floats = 32 KiB).</summary>
    internal const int MaxHeadDim = 512;

    /// <summary>Whether a block of this pool, widened, fits the stack scratch of [<see cref="BlockRows"/>, headDim].</summary>
    internal static bool ScratchFits(int headDim, int blockSize) => headDim <= MaxHeadDim && blockSize <= BlockRows;

    /// <summary>Refuses a pool whose blocks would not fit the scratch.</summary>
    internal static void CheckScratch(int headDim, int blockSize)
    {
        if (!ScratchFits(headDim, blockSize))
            throw new ArgumentException($"F16 KV attention takes head dims up to {MaxHeadDim} and blocks up to {BlockRows} rows, got {headDim} and {blockSize}");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    public static void Run(ReadOnlySpan<float> q, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int heads, int kvHeads, int headDim, int headBegin, int headEnd)
    {
        if (kv.Type != KvCacheType.F16) throw new ArgumentException($"the F16 attention kernel was given a {kv.Type} KV pool");
        AttentionArguments.Check(q, kv, blockTable, length, output, scores, headDim, headBegin, headEnd);
        CheckScratch(headDim, kv.BlockSize);
        int group = heads / kvHeads, bs = kv.BlockSize;
        float scale = 1f / MathF.Sqrt(headDim);
        var s = scores[..length];
        // [BlockRows, headDim]: the rows being read, widened
        float* rows = stackalloc float[BlockRows * headDim];
        // [headDim]: the head's query times 2^112, for the scaled tiles
        float* qScaled = stackalloc float[headDim];
        bool scaledWidth = TTiles.F16Scaled && headDim % 16 == 0;
        fixed (float* pq = q)
        fixed (float* po = output)
        fixed (float* ps = s)
        fixed (int* table = blockTable)
        {
            for (int h = headBegin; h < headEnd; h++)
            {
                int kvOff = h / group * headDim;
                float* qh = pq + h * headDim;
                var query = new ReadOnlySpan<float>(qh, headDim);
                // the scaled tiles need q·2^112 finite: |q| < 2^16 (NaN fails the test too)
                bool scaled = scaledWidth && TensorPrimitives.MaxMagnitude(query) < 65536f;
                if (scaled) TensorPrimitives.Multiply(query, HalfWidener.Rebias, new Span<float>(qScaled, headDim));
                KvPrefetch.Start(kv, false, table, length, kvOff, headDim);
                for (int p0 = 0; p0 < length; p0 += bs)
                {
                    ushort* k = (ushort*)kv.KHalf(table[p0 / bs]) + kvOff;
                    int end = Math.Min(bs, length - p0), j = 0;
                    KvPrefetch.Block(kv, false, table, p0 / bs + KvPrefetch.BlocksAhead, length, kvOff, headDim);
                    // four positions at a time through the decode tile: the same dot per position (a tile that met an
                    // Inf or NaN half is redone widened)
                    for (; j + Rows <= end; j += Rows)
                        if (!scaled || !TTiles.F16ScaledTile4x1(k + (long)j * kv.KvDim, kv.KvDim, qScaled, headDim, ps + p0 + j))
                            TTiles.F16Tile4x1(k + (long)j * kv.KvDim, kv.KvDim, qh, headDim, ps + p0 + j, rows);
                    for (; j < end; j++)
                    {
                        Widen(k + (long)j * kv.KvDim, kv.KvDim, rows, headDim, 1);
                        ps[p0 + j] = TTiles.Dot(qh, rows, headDim);
                    }
                }
                KvPrefetch.Start(kv, true, table, length, kvOff, headDim);
                AttentionSoftmax.Apply(s, scale);
                float* oh = po + h * headDim;
                bool done = false;
                if (scaled)
                {
                    new Span<float>(oh, headDim).Clear();
                    done = true;
                    for (int p0 = 0; p0 < length && done; p0 += bs)
                    {
                        ushort* v = (ushort*)kv.VHalf(table[p0 / bs]) + kvOff;
                        KvPrefetch.Block(kv, true, table, p0 / bs + KvPrefetch.BlocksAhead, length, kvOff, headDim);
                        done = TTiles.F16ScaledMultiplyAddRows(v, kv.KvDim, Math.Min(bs, length - p0), ps + p0, oh, headDim);
                    }
                }
                if (!done)
                {
                    // widened: no scaled path, or a value row held an Inf or NaN half (the output starts over)
                    new Span<float>(oh, headDim).Clear();
                    for (int p0 = 0; p0 < length; p0 += bs)
                    {
                        ushort* v = (ushort*)kv.VHalf(table[p0 / bs]) + kvOff;
                        int end = Math.Min(bs, length - p0);
                        KvPrefetch.Block(kv, true, table, p0 / bs + KvPrefetch.BlocksAhead, length, kvOff, headDim);
                        TTiles.F16MultiplyAddRows(v, kv.KvDim, end, ps + p0, oh, headDim, rows);
                    }
                }
            }
        }
    }

    /// <summary><paramref name="count"/> rows of headDim halves (stride kvDim) into [count, headDim] floats
    /// (<see cref="HalfWidener.ToSingle(ushort*, float*, int)"/>: exact, 16 or 8 lanes at a time).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Widen(ushort* src, int kvDim, float* dst, int headDim, int count)
    {
        for (int r = 0; r < count; r++) HalfWidener.ToSingle(src + (long)r * kvDim, dst + r * headDim, headDim);
    }
}
