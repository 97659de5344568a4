using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Numerics.Tensors;

namespace Mesh.Kernels.Cpu;

/// <summary><see cref="AttentionKernel{TTiles}"/> over an F16 KV pool: every K and V row is widened
/// exactly to F32 (<see cref="HalfWidener"/>), four rows at a time, into a small stack scratch, and then
/// goes through the same tile calls in the same order as the F32 kernel. So a token's output equals the
/// F32 kernel's over the widened cache bit for bit, and does not depend on the rest of its batch.</summary>
internal static unsafe class AttentionKernelF16<TTiles> where TTiles : struct, IDotTiles
{
    /// <summary>Rows widened per step: the decode tile's height.</summary>
    private const int Rows = 4;

    /// <summary>Largest head dim the stack scratch takes (Rows · 512 floats = 8 KiB).</summary>
    private const int MaxHeadDim = 512;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    public static void Run(ReadOnlySpan<float> q, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int heads, int kvHeads, int headDim, int headBegin, int headEnd)
    {
        if (kv.Type != KvCacheType.F16) throw new ArgumentException($"the F16 attention kernel was given a {kv.Type} KV pool");
        AttentionArguments.Check(q, kv, blockTable, length, output, scores, headDim, headBegin, headEnd);
        if (headDim > MaxHeadDim) throw new ArgumentException($"F16 KV attention takes head dims up to {MaxHeadDim}, got {headDim}");
        int group = heads / kvHeads, bs = kv.BlockSize;
        float scale = 1f / MathF.Sqrt(headDim);
        var s = scores[..length];
        // [Rows, headDim]: the rows being read, widened
        float* rows = stackalloc float[Rows * headDim];
        fixed (float* pq = q)
        fixed (float* po = output)
        fixed (float* ps = s)
        fixed (int* table = blockTable)
        {
            for (int h = headBegin; h < headEnd; h++)
            {
                int kvOff = h / group * headDim;
                float* qh = pq + h * headDim;
                long stride = (long)kv.KvDim * sizeof(ushort);
                int rowBytes = headDim * sizeof(ushort);
                KvPrefetch.Rows((byte*)((ushort*)kv.KHalf(table[0]) + kvOff), stride, Math.Min(bs, length), rowBytes);
                for (int p0 = 0; p0 < length; p0 += bs)
                {
                    ushort* k = (ushort*)kv.KHalf(table[p0 / bs]) + kvOff;
                    int end = Math.Min(bs, length - p0), j = 0;
                    if (p0 + bs < length) KvPrefetch.Rows((byte*)((ushort*)kv.KHalf(table[p0 / bs + 1]) + kvOff), stride, Math.Min(bs, length - p0 - bs), rowBytes);
                    // four positions at a time through the decode tile: the same dot per position
                    for (; j + Rows <= end; j += Rows)
                    {
                        Widen(k + (long)j * kv.KvDim, kv.KvDim, rows, headDim, Rows);
                        TTiles.Tile4x1(rows, headDim, qh, headDim, ps + p0 + j, rows);
                    }
                    for (; j < end; j++)
                    {
                        Widen(k + (long)j * kv.KvDim, kv.KvDim, rows, headDim, 1);
                        ps[p0 + j] = TTiles.Dot(qh, rows, headDim);
                    }
                }
                KvPrefetch.Rows((byte*)((ushort*)kv.VHalf(table[0]) + kvOff), stride, Math.Min(bs, length), rowBytes);
                TensorPrimitives.Multiply(s, scale, s);
                TensorPrimitives.SoftMax(s, s);
                float* oh = po + h * headDim;
                new Span<float>(oh, headDim).Clear();
                for (int p0 = 0; p0 < length; p0 += bs)
                {
                    ushort* v = (ushort*)kv.VHalf(table[p0 / bs]) + kvOff;
                    int end = Math.Min(bs, length - p0);
                    if (p0 + bs < length) KvPrefetch.Rows((byte*)((ushort*)kv.VHalf(table[p0 / bs + 1]) + kvOff), stride, Math.Min(bs, length - p0 - bs), rowBytes);
                    for (int j0 = 0; j0 < end; j0 += Rows)
                    {
                        int n = Math.Min(Rows, end - j0);
                        Widen(v + (long)j0 * kv.KvDim, kv.KvDim, rows, headDim, n);
                        for (int j = 0; j < n; j++) TTiles.MultiplyAdd(rows + j * headDim, ps[p0 + j0 + j], oh, headDim);
                    }
                }
            }
        }
    }

    /// <summary><paramref name="count"/> rows of headDim halves (stride kvDim) into [count, headDim] floats
    /// (<see cref="HalfWidener.ToSingle(ushort*, float*, int)"/>: exact, 16 or 8 lanes at a time).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(ushort* src, int kvDim, float* dst, int headDim, int count)
    {
        for (int r = 0; r < count; r++) HalfWidener.ToSingle(src + (long)r * kvDim, dst + r * headDim, headDim);
    }
}
