using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>Integer kernels for Q4_0 weights × Q8 activations (the Q8_0 activations of
/// <see cref="ActivationQuantizer"/>), one token against a panel of 8 rows. The stored nibbles
/// u = q + 8 (0..15) are the unsigned operand, so a block's dot is Σu·x − 8·Σx, exact on every path;
/// then one fused multiply-add per block in block order, acc = fma(dot, dw·dx, acc), as
/// <see cref="Q8Dot"/> does. All paths give the same bits. Weight rows are [blocks × (half d, 16 bytes)].</summary>
internal static unsafe class Q4Dot
{
    public const int PanelRows = 8;
    public const int BlockBytes = QuantizedBlocks.Q4_0Bytes;

    /// <summary>The block-b scales of the 8 rows at w, widened to F32 (lane = row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Scales8(byte* w, int rowBytes, int b) => Q8Dot.HalfScales8(w + b * BlockBytes, rowBytes);

    /// <summary>The 32 nibbles of the block whose quants start at p, in value order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> Nibbles(byte* p)
    {
        var packed = Vector128.Load(p);
        var low = Vector128.Create((byte)0x0F);
        return Vector256.Create(packed & low, Vector128.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & low);
    }

    /// <summary>y[r] for the 8 rows at w (stride rowBytes) against token (q[cols], d[nb], sum[nb]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni8(byte* w, int rowBytes, int nb, sbyte* q, float* d, int* sum, float* y)
    {
        Vector256<float> acc = default;
        for (int b = 0; b < nb; b++)
        {
            var x = Vector256.Load(q + b * 32);
            byte* wb = w + b * BlockBytes + 2;
            var v0 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Nibbles(wb), x);
            var v1 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Nibbles(wb + rowBytes), x);
            var v2 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Nibbles(wb + 2 * rowBytes), x);
            var v3 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Nibbles(wb + 3 * rowBytes), x);
            var v4 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Nibbles(wb + 4 * rowBytes), x);
            var v5 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Nibbles(wb + 5 * rowBytes), x);
            var v6 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Nibbles(wb + 6 * rowBytes), x);
            var v7 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Nibbles(wb + 7 * rowBytes), x);
            var dots = Q8Dot.Transpose8(v0, v1, v2, v3, v4, v5, v6, v7) - Vector256.Create(8 * sum[b]);
            acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(dots), Scales8(w, rowBytes, b) * Vector256.Create(d[b]), acc);
        }
        acc.Store(y);
    }

    /// <summary>As <see cref="Vnni8"/> through maddubs (u ≤ 15, |x| ≤ 127: no saturation) and madd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2x8(byte* w, int rowBytes, int nb, sbyte* q, float* d, int* sum, float* y)
    {
        var ones = Vector256.Create((short)1);
        Vector256<float> acc = default;
        for (int b = 0; b < nb; b++)
        {
            var x = Vector256.Load(q + b * 32);
            byte* wb = w + b * BlockBytes + 2;
            var v0 = Dot(Nibbles(wb), x, ones);
            var v1 = Dot(Nibbles(wb + rowBytes), x, ones);
            var v2 = Dot(Nibbles(wb + 2 * rowBytes), x, ones);
            var v3 = Dot(Nibbles(wb + 3 * rowBytes), x, ones);
            var v4 = Dot(Nibbles(wb + 4 * rowBytes), x, ones);
            var v5 = Dot(Nibbles(wb + 5 * rowBytes), x, ones);
            var v6 = Dot(Nibbles(wb + 6 * rowBytes), x, ones);
            var v7 = Dot(Nibbles(wb + 7 * rowBytes), x, ones);
            var dots = Q8Dot.Transpose8(v0, v1, v2, v3, v4, v5, v6, v7) - Vector256.Create(8 * sum[b]);
            acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(dots), Scales8(w, rowBytes, b) * Vector256.Create(d[b]), acc);
        }
        acc.Store(y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot(Vector256<byte> w, Vector256<sbyte> x, Vector256<short> ones) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(w, x), ones);

    /// <summary>Scalar: one row at a time, integer dots and the same float sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scalar(byte* w, int rowBytes, int rows, int nb, sbyte* q, float* d, int* sum, float* y)
    {
        for (int r = 0; r < rows; r++)
        {
            float acc = 0;
            for (int b = 0; b < nb; b++)
            {
                byte* block = w + (long)r * rowBytes + b * BlockBytes;
                float dw = HalfWidener.ToSingle(*(ushort*)block);
                sbyte* x = q + b * 32;
                int dot = 0;
                for (int j = 0; j < 16; j++) dot += (block[2 + j] & 0xF) * x[j] + (block[2 + j] >> 4) * x[j + 16];
                acc = MathF.FusedMultiplyAdd(dot - 8 * sum[b], dw * d[b], acc);
            }
            y[r] = acc;
        }
    }
}
