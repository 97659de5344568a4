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
