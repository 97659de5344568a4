using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>Integer kernels for Q8_0 weights × Q8 activations, one token against a panel of 8 rows.
/// A block's integer dot product is exact on every path (VNNI, AVX2, scalar); the float part is one
/// fused multiply-add per block in block order, acc = fma((float)dot_b, dw_b·dx_b, acc), the same
/// sequence <see cref="Q8Gemm"/> runs for a token inside a batch. So all paths, tiles and batches give
/// bit-identical results. Weight rows are [blocks × (half d, 32 × int8)].</summary>
internal static unsafe class Q8Dot
{
    public const int PanelRows = 8;
    public const int BlockBytes = 34;

    /// <summary>The block-b scales of the 8 rows at w (stride rowBytes), widened to F32 (lane = row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Scales8(byte* w, int rowBytes, int b) => HalfScales8(w + b * BlockBytes, rowBytes);

    /// <summary>The halves at p and the 7 rows after it (stride rowBytes), widened to F32 (lane = row): eight plain
    /// loads, which beat one vpgatherdd here (a batch panel's set-up went 290 → 210 µs for 8 tokens of a
    /// 3072 × 768 matrix). Q8_0 and Q4_0 blocks both start with their scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfScales8(byte* p, int rowBytes) =>
        HalfWidener.Widen8(Vector256.Create(*(ushort*)p, *(ushort*)(p + rowBytes), *(ushort*)(p + 2 * rowBytes), *(ushort*)(p + 3 * rowBytes),
            *(ushort*)(p + 4 * rowBytes), *(ushort*)(p + 5 * rowBytes), *(ushort*)(p + 6 * rowBytes), *(ushort*)(p + 7 * rowBytes)));

    /// <summary>Panels ahead whose rows are prefetched while one is computed: the hardware prefetchers
    /// lose 8 interleaved 34-byte-stride streams at page boundaries, and decode reads every weight once.</summary>
    public const int PrefetchPanels = 4;

    /// <summary>The same for the one-token kernels: 2 panels (~13 KiB of 768-column rows) decoded the Q8_0 bench file
    /// at a median ~246 tok/s against ~228 at 4, ~237 at 1 and ~215 at 8 (alternating runs; without the prefetch
    /// ~115). The ~12 KiB that suits F16 decode as well.</summary>
    private const int DecodePrefetchPanels = 2;

    /// <summary>y[r] for the 8 rows at w (stride rowBytes) against token (q[cols], d[nb], sum[nb]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni8(byte* w, int rowBytes, int nb, sbyte* q, float* d, int* sum, float* y)
    {
        var flip = Vector256.Create((byte)0x80);
        Vector256<float> acc = default;
        for (int b = 0; b < nb; b++)
        {
            var x = Vector256.Load(q + b * 32);
            byte* wb = w + b * BlockBytes + 2;
            Prefetch(wb + DecodePrefetchPanels * PanelRows * rowBytes, rowBytes);
            // (w + 128) as unsigned × q signed = dot + 128·Σq, corrected after the reduction
            var v0 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(wb) ^ flip, x);
            var v1 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(wb + rowBytes) ^ flip, x);
            var v2 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(wb + 2 * rowBytes) ^ flip, x);
            var v3 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(wb + 3 * rowBytes) ^ flip, x);
            var v4 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(wb + 4 * rowBytes) ^ flip, x);
            var v5 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(wb + 5 * rowBytes) ^ flip, x);
            var v6 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(wb + 6 * rowBytes) ^ flip, x);
            var v7 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(wb + 7 * rowBytes) ^ flip, x);
            var dots = Transpose8(v0, v1, v2, v3, v4, v5, v6, v7) - Vector256.Create(128 * sum[b]);
            acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(dots), Scales8(w, rowBytes, b) * Vector256.Create(d[b]), acc);
        }
        acc.Store(y);
    }

    /// <summary>As <see cref="Vnni8"/> without VNNI: |w| × sign(q, w) pairs through maddubs (no
    /// saturation: |w| ≤ 128, |q| ≤ 127) and madd with ones give the exact dot directly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2x8(byte* w, int rowBytes, int nb, sbyte* q, float* d, float* y)
    {
        var ones = Vector256.Create((short)1);
        Vector256<float> acc = default;
        for (int b = 0; b < nb; b++)
        {
            var x = Vector256.Load(q + b * 32);
            byte* wb = w + b * BlockBytes + 2;
            Prefetch(wb + DecodePrefetchPanels * PanelRows * rowBytes, rowBytes);
            var v0 = Dot(Vector256.Load((sbyte*)wb), x, ones);
            var v1 = Dot(Vector256.Load((sbyte*)(wb + rowBytes)), x, ones);
            var v2 = Dot(Vector256.Load((sbyte*)(wb + 2 * rowBytes)), x, ones);
            var v3 = Dot(Vector256.Load((sbyte*)(wb + 3 * rowBytes)), x, ones);
            var v4 = Dot(Vector256.Load((sbyte*)(wb + 4 * rowBytes)), x, ones);
            var v5 = Dot(Vector256.Load((sbyte*)(wb + 5 * rowBytes)), x, ones);
            var v6 = Dot(Vector256.Load((sbyte*)(wb + 6 * rowBytes)), x, ones);
            var v7 = Dot(Vector256.Load((sbyte*)(wb + 7 * rowBytes)), x, ones);
            var dots = Transpose8(v0, v1, v2, v3, v4, v5, v6, v7);
            acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(dots), Scales8(w, rowBytes, b) * Vector256.Create(d[b]), acc);
        }
        acc.Store(y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot(Vector256<sbyte> w, Vector256<sbyte> x, Vector256<short> ones) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(x, w)), ones);

    /// <summary>Scalar: one row of the panel at a time, integer dots and the same float sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scalar(byte* w, int rowBytes, int rows, int nb, sbyte* q, float* d, float* y)
    {
        for (int r = 0; r < rows; r++)
        {
            float acc = 0;
            for (int b = 0; b < nb; b++)
            {
                byte* block = w + (long)r * rowBytes + b * BlockBytes;
                float dw = (float)BitConverter.UInt16BitsToHalf(*(ushort*)block);
                sbyte* wq = (sbyte*)(block + 2);
                sbyte* xq = q + b * 32;
                int dot = 0;
                for (int j = 0; j < 32; j++) dot += wq[j] * xq[j];
                acc = MathF.FusedMultiplyAdd(dot, dw * d[b], acc);
            }
            y[r] = acc;
        }
    }

    /// <summary>Asks for the cache line holding p in each of 8 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(byte* p, int rowBytes)
    {
        Sse.Prefetch0(p); Sse.Prefetch0(p + rowBytes); Sse.Prefetch0(p + 2 * rowBytes); Sse.Prefetch0(p + 3 * rowBytes);
        Sse.Prefetch0(p + 4 * rowBytes); Sse.Prefetch0(p + 5 * rowBytes); Sse.Prefetch0(p + 6 * rowBytes); Sse.Prefetch0(p + 7 * rowBytes);
    }

    /// <summary>Sums each of 8 vectors' lanes into lane i of the result (integers: exact in any order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> Transpose8(Vector256<int> v0, Vector256<int> v1, Vector256<int> v2, Vector256<int> v3,
        Vector256<int> v4, Vector256<int> v5, Vector256<int> v6, Vector256<int> v7)
    {
        var h0 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(v0, v1), Avx2.HorizontalAdd(v2, v3));
        var h1 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(v4, v5), Avx2.HorizontalAdd(v6, v7));
        return Avx2.Permute2x128(h0, h1, 0x20) + Avx2.Permute2x128(h0, h1, 0x31);
    }
}
