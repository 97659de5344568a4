using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>One token against one panel of a <see cref="TensorType.Q8_0x8"/> matrix (<see cref="Q8Panels"/>): the
/// kernels of <see cref="Q8Dot"/> without its cross-lane work. A group of 4 columns of the 8 rows is one 32-byte
/// load whose lanes are the rows, so a block's 8 integer dots build up in lane order (no transpose-reduction), and
/// the 8 scales are one 16-byte load (no gathering of halves 34 bytes apart). The panel is one stream in address
/// order, left to the hardware prefetchers. The same integer per block and the same
/// acc = fma((float)dot, dw·dx, acc) in block order as <see cref="Q8Dot"/>, so the two layouts give the same bits.
/// One core, 3072 × 768: ~42 µs in L2/L3 against ~126 µs for the row layout; 2 threads streaming from memory
/// ~70 µs against ~90–120.</summary>
internal static unsafe class Q8PanelDot
{
    /// <summary>y[r] for the 8 rows of the panel at w against token (q[cols], d[nb], sum[nb]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni8(byte* w, int nb, sbyte* q, float* d, int* sum, float* y)
    {
        Vector256<float> acc = default;
        for (int b = 0; b < nb; b++)
        {
            byte* blk = w + (long)b * Q8Panels.BlockBytes, g = blk + Q8Panels.QuantOffset;
            int* x = (int*)(q + b * 32);
            // (w + 128) as unsigned × q signed = dot + 128·Σq; two chains so the adds overlap
            var a0 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(g), Vector256.Create(x[0]).AsSByte());
            var a1 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(g + 32), Vector256.Create(x[1]).AsSByte());
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, Vector256.Load(g + 64), Vector256.Create(x[2]).AsSByte());
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, Vector256.Load(g + 96), Vector256.Create(x[3]).AsSByte());
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, Vector256.Load(g + 128), Vector256.Create(x[4]).AsSByte());
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, Vector256.Load(g + 160), Vector256.Create(x[5]).AsSByte());
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, Vector256.Load(g + 192), Vector256.Create(x[6]).AsSByte());
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, Vector256.Load(g + 224), Vector256.Create(x[7]).AsSByte());
            var dots = a0 + a1 - Vector256.Create(128 * sum[b]);
            acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(dots), Scales8(w, b) * Vector256.Create(d[b]), acc);
        }
        acc.Store(y);
    }

    /// <summary><see cref="Vnni8"/> on two panels side by side (pa → ya[0..7], pb → yb[0..7]): two address streams, four
    /// chains; each panel's integers and float sequence as in <see cref="Vnni8"/>, so the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni8Pair(byte* pa, byte* pb, int nb, sbyte* q, float* d, int* sum, float* ya, float* yb)
    {
        Vector256<float> fa = default, fb = default;
        for (int b = 0; b < nb; b++)
        {
            byte* ga = pa + (long)b * Q8Panels.BlockBytes + Q8Panels.QuantOffset, gb = pb + (long)b * Q8Panels.BlockBytes + Q8Panels.QuantOffset;
            int* x = (int*)(q + b * 32);
            Vector256<int> a0 = default, a1 = default, b0 = default, b1 = default;
            for (int k = 0; k < 8; k += 2)
            {
                var x0 = Vector256.Create(x[k]).AsSByte();
                var x1 = Vector256.Create(x[k + 1]).AsSByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, Vector256.Load(ga + k * 32), x0);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, Vector256.Load(gb + k * 32), x0);
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, Vector256.Load(ga + k * 32 + 32), x1);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, Vector256.Load(gb + k * 32 + 32), x1);
            }
            var c = Vector256.Create(128 * sum[b]);
            var dx = Vector256.Create(d[b]);
            fa = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(a0 + a1 - c), Scales8(pa, b) * dx, fa);
            fb = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(b0 + b1 - c), Scales8(pb, b) * dx, fb);
        }
        fa.Store(ya);
        fb.Store(yb);
    }

    /// <summary><see cref="Vnni8"/> for four consecutive tokens (token t at q + t·cols, d + t·nb, sum + t·nb; its 8 results
    /// at y + t·ldy): each 32-byte group of the panel is loaded once for the four, two chains per token (8 in all) so
    /// the vpdpbusd latency is covered. Batches of 2–7 tokens (a few sequences decoding) ran the one-token kernel
    /// per token: four sequences took 2.8× one sequence's step. Per token the same integers and the same float
    /// sequence as <see cref="Vnni8"/>, so the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni8x4(byte* w, int nb, sbyte* q, float* d, int* sum, float* y, nint ldy)
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        int cols = nb * 32;
        int* x0 = (int*)q, x1 = (int*)(q + cols), x2 = (int*)(q + 2 * cols), x3 = (int*)(q + 3 * cols);
        for (int b = 0; b < nb; b++)
        {
            byte* g = w + (long)b * Q8Panels.BlockBytes + Q8Panels.QuantOffset;
            int o = b * 8;
            Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, e0 = default, e1 = default, e2 = default, e3 = default;
            for (int k = 0; k < 8; k += 2)
            {
                var v = Vector256.Load(g + k * 32);
                var u = Vector256.Load(g + k * 32 + 32);
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, v, Vector256.Create(x0[o + k]).AsSByte());
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, v, Vector256.Create(x1[o + k]).AsSByte());
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, v, Vector256.Create(x2[o + k]).AsSByte());
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, v, Vector256.Create(x3[o + k]).AsSByte());
                e0 = AvxVnni.MultiplyWideningAndAdd(e0, u, Vector256.Create(x0[o + k + 1]).AsSByte());
                e1 = AvxVnni.MultiplyWideningAndAdd(e1, u, Vector256.Create(x1[o + k + 1]).AsSByte());
                e2 = AvxVnni.MultiplyWideningAndAdd(e2, u, Vector256.Create(x2[o + k + 1]).AsSByte());
                e3 = AvxVnni.MultiplyWideningAndAdd(e3, u, Vector256.Create(x3[o + k + 1]).AsSByte());
            }
            var scales = Scales8(w, b);
            f0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(a0 + e0 - Vector256.Create(128 * sum[b])), scales * Vector256.Create(d[b]), f0);
            f1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(a1 + e1 - Vector256.Create(128 * sum[b + nb])), scales * Vector256.Create(d[b + nb]), f1);
            f2 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(a2 + e2 - Vector256.Create(128 * sum[b + 2 * nb])), scales * Vector256.Create(d[b + 2 * nb]), f2);
            f3 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(a3 + e3 - Vector256.Create(128 * sum[b + 3 * nb])), scales * Vector256.Create(d[b + 3 * nb]), f3);
        }
        f0.Store(y);
        f1.Store(y + ldy);
        f2.Store(y + 2 * ldy);
        f3.Store(y + 3 * ldy);
    }

    /// <summary><see cref="Vnni8x4"/> for two tokens: four chains per token (8 in all).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni8x2(byte* w, int nb, sbyte* q, float* d, int* sum, float* y, nint ldy)
    {
        Vector256<float> f0 = default, f1 = default;
        int cols = nb * 32;
        int* x0 = (int*)q, x1 = (int*)(q + cols);
        for (int b = 0; b < nb; b++)
        {
            byte* g = w + (long)b * Q8Panels.BlockBytes + Q8Panels.QuantOffset;
            int o = b * 8;
            Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, e0 = default, e1 = default, e2 = default, e3 = default;
            for (int k = 0; k < 8; k += 4)
            {
                var v0 = Vector256.Load(g + k * 32);
                var v1 = Vector256.Load(g + k * 32 + 32);
                var v2 = Vector256.Load(g + k * 32 + 64);
                var v3 = Vector256.Load(g + k * 32 + 96);
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, v0, Vector256.Create(x0[o + k]).AsSByte());
                e0 = AvxVnni.MultiplyWideningAndAdd(e0, v0, Vector256.Create(x1[o + k]).AsSByte());
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, v1, Vector256.Create(x0[o + k + 1]).AsSByte());
                e1 = AvxVnni.MultiplyWideningAndAdd(e1, v1, Vector256.Create(x1[o + k + 1]).AsSByte());
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, v2, Vector256.Create(x0[o + k + 2]).AsSByte());
                e2 = AvxVnni.MultiplyWideningAndAdd(e2, v2, Vector256.Create(x1[o + k + 2]).AsSByte());
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, v3, Vector256.Create(x0[o + k + 3]).AsSByte());
                e3 = AvxVnni.MultiplyWideningAndAdd(e3, v3, Vector256.Create(x1[o + k + 3]).AsSByte());
            }
            var scales = Scales8(w, b);
            f0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(a0 + a1 + a2 + a3 - Vector256.Create(128 * sum[b])), scales * Vector256.Create(d[b]), f0);
            f1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(e0 + e1 + e2 + e3 - Vector256.Create(128 * sum[b + nb])), scales * Vector256.Create(d[b + nb]), f1);
        }
        f0.Store(y);
        f1.Store(y + ldy);
    }

    /// <summary>As <see cref="Vnni8"/> without VNNI: each group's bytes back to signed w, then |w| × sign(q, w)
    /// through maddubs (no saturation) and madd with ones, 8 rows in the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2x8(byte* w, int nb, sbyte* q, float* d, float* y)
    {
        var ones = Vector256.Create((short)1);
        var flip = Vector256.Create((byte)0x80);
        Vector256<float> acc = default;
        for (int b = 0; b < nb; b++)
        {
            byte* g = w + (long)b * Q8Panels.BlockBytes + Q8Panels.QuantOffset;
            int* x = (int*)(q + b * 32);
            Vector256<int> dots = default;
            for (int k = 0; k < 8; k++)
            {
                var wk = (Vector256.Load(g + k * 32) ^ flip).AsSByte();
                var xk = Vector256.Create(x[k]).AsSByte();
                dots += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(wk), Avx2.Sign(xk, wk)), ones);
            }
            acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(dots), Scales8(w, b) * Vector256.Create(d[b]), acc);
        }
        acc.Store(y);
    }

    /// <summary>Scalar: row by row, the integer dot per block and the same float sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scalar(byte* w, int nb, sbyte* q, float* d, float* y)
    {
        for (int r = 0; r < Q8Panels.Rows; r++)
        {
            float acc = 0;
            for (int b = 0; b < nb; b++)
            {
                byte* blk = w + (long)b * Q8Panels.BlockBytes;
                float dw = (float)BitConverter.UInt16BitsToHalf(((ushort*)blk)[r]);
                sbyte* xq = q + b * 32;
                int dot = 0;
                for (int j = 0; j < 32; j++) dot += (blk[Q8Panels.QuantOffset + (j >> 2) * 32 + r * 4 + (j & 3)] - 128) * xq[j];
                acc = MathF.FusedMultiplyAdd(dot, dw * d[b], acc);
            }
            y[r] = acc;
        }
    }

    /// <summary>Block b's scales of the panel at w as F32 (lane = row), the same values as <see cref="Q8Dot.Scales8"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Scales8(byte* w, int b) => HalfWidener.Widen8((ushort*)(w + (long)b * Q8Panels.BlockBytes));
}
