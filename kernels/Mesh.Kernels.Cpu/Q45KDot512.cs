using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>The Q4_K and Q5_K decode tile (4 rows × 1 token) in 512-bit registers: one 64-byte load holds the low
/// 4 bits of 128 values, its low nibbles values [0, 32) and [64, 96), its high nibbles [32, 64) and [96, 128)
/// (Q5_K: the fifth bits from qh, bits 0|2 and 1|3 for the first 128 values, 4|6 and 5|7 for the rest); the token's
/// quants are gathered into the same halves once per super-block for all four rows, and each 256-bit half is
/// scaled by its sub-block's scale (vpermw from the unpacked scales). S1 and S2 stay exact integers and the float
/// part is <see cref="KQuantDot{T}"/>'s, so the bits equal every other K-quant kernel's.</summary>
internal static unsafe class Q45KDot512<T> where T : struct, IKQuantFormat
{
    /// <summary>Q5_K (a fifth bit per quant in qh) rather than Q4_K; constant in each instantiation.</summary>
    private static bool Five
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => typeof(T) == typeof(Q5KFormat);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows4(byte* row, int rowBytes, int cols, sbyte* q, float* dx, short* sums, float* y)
    {
        int nb = cols / 256;
        Vector128<float> acc = default;
        // int16 lane → index of its scale in the unpacked 16 (group g at lane g; sub-block j = groups 2j, 2j+1)
        var sel0 = Vector512.Create((short)0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4);
        var sel1 = sel0 + Vector512.Create((short)2);
        var sel2 = sel0 + Vector512.Create((short)8);
        var sel3 = sel0 + Vector512.Create((short)10);
        for (int b = 0; b < nb; b++)
        {
            byte* block = row + (long)b * T.BlockBytes;
            sbyte* x = q + b * 256;
            // the token's quants in the weights' order: [0,32)|[64,96), [32,64)|[96,128), then +128
            var x0 = Vector512.Create(Vector256.Load(x), Vector256.Load(x + 64));
            var x1 = Vector512.Create(Vector256.Load(x + 32), Vector256.Load(x + 96));
            var x2 = Vector512.Create(Vector256.Load(x + 128), Vector256.Load(x + 192));
            var x3 = Vector512.Create(Vector256.Load(x + 160), Vector256.Load(x + 224));
            var g = Vector256.Load(sums + b * 16);
            var (i0, m0) = Block(block, x0, x1, x2, x3, g, sel0, sel1, sel2, sel3);
            var (i1, m1) = Block(block + rowBytes, x0, x1, x2, x3, g, sel0, sel1, sel2, sel3);
            var (i2, m2) = Block(block + 2 * rowBytes, x0, x1, x2, x3, g, sel0, sel1, sel2, sel3);
            var (i3, m3) = Block(block + 3 * rowBytes, x0, x1, x2, x3, g, sel0, sel1, sel2, sel3);
            var d = T.Scales4(block, rowBytes);
            var dy = Vector128.Create(dx[b]);
            acc = KQuantDot<T>.Accumulate(acc, KQuantDot<T>.Reduce4(i0, i1, i2, i3), KQuantDot<T>.Reduce4(m0, m1, m2, m3),
                d.GetLower() * dy, d.GetUpper() * dy);
        }
        acc.Store(y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<int> S1, Vector256<int> S2) Block(byte* block, Vector512<sbyte> x0, Vector512<sbyte> x1, Vector512<sbyte> x2, Vector512<sbyte> x3,
        Vector256<short> groupSums, Vector512<short> sel0, Vector512<short> sel1, Vector512<short> sel2, Vector512<short> sel3)
    {
        KScales.Unpack(block + 4, out var s, out var o);
        var s512 = s.ToVector512Unsafe();
        byte* qs = block + (Five ? 48 : 16);
        var qa = Vector512.Load(qs);
        var qb = Vector512.Load(qs + 64);
        // Q5_K: qh bits 0|2 and 1|3 under the first 128 values, 4|6 and 5|7 under the rest (16-bit shifts of at most
        // 6 keep each byte's bits 0–1 its own); Q4_K: unused
        Vector512<ushort> h01 = default, h23 = default;
        if (Five)
        {
            var qh = Vector256.Load(block + 16).AsUInt16();
            h01 = Vector512.Create(qh, qh >> 2);
            h23 = Vector512.Create(qh >> 4, qh >> 6);
        }
        var s1 = Dot(Low(qa, h01), x0, Avx512BW.PermuteVar32x16(s512, sel0)) + Dot(High(qa, h01), x1, Avx512BW.PermuteVar32x16(s512, sel1))
            + Dot(Low(qb, h23), x2, Avx512BW.PermuteVar32x16(s512, sel2)) + Dot(High(qb, h23), x3, Avx512BW.PermuteVar32x16(s512, sel3));
        return (s1.GetLower() + s1.GetUpper(), Avx2.MultiplyAddAdjacent(o, groupSums));
    }

    /// <summary>The quants under the low nibbles of <paramref name="q"/> (Q5_K: bit 4 from bit 0 of <paramref name="h"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Low(Vector512<byte> q, Vector512<ushort> h)
    {
        var w = q & Vector512.Create((byte)0x0F);
        return Five ? w | ((h << 4).AsByte() & Vector512.Create((byte)0x10)) : w;
    }

    /// <summary>The quants under the high nibbles of <paramref name="q"/> (Q5_K: bit 4 from bit 1 of <paramref name="h"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> High(Vector512<byte> q, Vector512<ushort> h)
    {
        var w = Vector512.ShiftRightLogical(q.AsUInt16(), 4).AsByte() & Vector512.Create((byte)0x0F);
        return Five ? w | ((h << 3).AsByte() & Vector512.Create((byte)0x10)) : w;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Dot(Vector512<byte> w, Vector512<sbyte> x, Vector512<short> scales) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(w, x), scales);
}
