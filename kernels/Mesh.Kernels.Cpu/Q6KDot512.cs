using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>The Q6_K decode tile (4 rows × 1 token) in 512-bit registers: per half super-block one 64-byte load of
/// ql and one 32-byte load of qh give values [0, 64) (low nibbles, qh bits 0–3) and [64, 128) (high nibbles, qh
/// bits 4–7) in natural order, so the token's quants are plain loads; each group of 16 is scaled by vpermw from its
/// int8 scale. Exact integers and <see cref="KQuantDot{T}"/>'s float part: the same bits as every K-quant kernel.</summary>
internal static unsafe class Q6KDot512
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows4(byte* row, int rowBytes, int cols, sbyte* q, float* dx, short* sums, float* y)
    {
        int nb = cols / 256;
        Vector128<float> acc = default;
        // int16 lane → its group's scale among the 16 (8 lanes per group of 16 values)
        var sel = Vector512.Create((short)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
        for (int b = 0; b < nb; b++)
        {
            byte* block = row + (long)b * QuantizedBlocks.Q6_KBytes;
            sbyte* x = q + b * 256;
            var x0 = Vector512.Load(x);
            var x1 = Vector512.Load(x + 64);
            var x2 = Vector512.Load(x + 128);
            var x3 = Vector512.Load(x + 192);
            var g = Vector256.Load(sums + b * 16);
            var (i0, m0) = Block(block, x0, x1, x2, x3, g, sel);
            var (i1, m1) = Block(block + rowBytes, x0, x1, x2, x3, g, sel);
            var (i2, m2) = Block(block + 2 * rowBytes, x0, x1, x2, x3, g, sel);
            var (i3, m3) = Block(block + 3 * rowBytes, x0, x1, x2, x3, g, sel);
            var d = Q6KFormat.Scales4(block, rowBytes);
            var dy = Vector128.Create(dx[b]);
            acc = KQuantDot<Q6KFormat>.Accumulate(acc, KQuantDot<Q6KFormat>.Reduce4(i0, i1, i2, i3), KQuantDot<Q6KFormat>.Reduce4(m0, m1, m2, m3),
                d.GetLower() * dy, d.GetUpper() * dy);
        }
        acc.Store(y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<int> S1, Vector256<int> S2) Block(byte* block, Vector512<sbyte> x0, Vector512<sbyte> x1, Vector512<sbyte> x2, Vector512<sbyte> x3,
        Vector256<short> groupSums, Vector512<short> sel)
    {
        var s = Avx2.ConvertToVector256Int16((sbyte*)(block + 192));
        var o = s << 5;
        var s512 = s.ToVector512Unsafe();
        var four = Vector512.Create((short)4);
        var s1 = Half(block, block + 128, x0, x1, Avx512BW.PermuteVar32x16(s512, sel), Avx512BW.PermuteVar32x16(s512, sel + four))
            + Half(block + 64, block + 160, x2, x3, Avx512BW.PermuteVar32x16(s512, sel + four + four), Avx512BW.PermuteVar32x16(s512, sel + four + four + four));
        return (s1.GetLower() + s1.GetUpper(), Avx2.MultiplyAddAdjacent(o, groupSums));
    }

    /// <summary>Σ s·q·x over one half super-block (128 values: ql at <paramref name="ql"/>, qh at <paramref name="qh"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Half(byte* ql, byte* qh, Vector512<sbyte> xLow, Vector512<sbyte> xHigh, Vector512<short> sLow, Vector512<short> sHigh)
    {
        var l = Vector512.Load(ql);
        var h8 = Vector256.Load(qh);
        // qh bits (0–1 | 2–3) under the low nibbles, (4–5 | 6–7) under the high ones, both landing on bits 4–5
        var h = Vector512.Create(h8, Vector256.ShiftRightLogical(h8.AsUInt16(), 2).AsByte());
        var top = Vector512.Create((byte)0x30);
        var low = (l & Vector512.Create((byte)0x0F)) | ((h.AsUInt16() << 4).AsByte() & top);
        var high = (Vector512.ShiftRightLogical(l.AsUInt16(), 4).AsByte() & Vector512.Create((byte)0x0F)) | (h & top);
        return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(low, xLow), sLow)
            + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(high, xHigh), sHigh);
    }
}
