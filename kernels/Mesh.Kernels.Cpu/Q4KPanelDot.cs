using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>One token against one panel of a <see cref="TensorType.Q4_Kx8"/> matrix (<see cref="Q4KPanels"/>), rows in
/// the lanes: a 32-byte group holds 4 quants of each row for two sub-blocks (low and high nibbles), each taken by
/// `vpdpbusd` against the token's 4 bytes broadcast; a sub-block's sums are multiplied by its 8 scales once
/// (`vpmulld`), the mins by the sub-block's activation sum. S1 and S2 are the same integers the row kernels compute,
/// and the float part is <see cref="KQuantDot{T}.Accumulate"/>'s, acc = fma(S1, d·dy, acc), fma(S2, −(dmin·dy), acc),
/// so the bits equal every other Q4_K kernel's. One core, 3072 × 768 from cache: ~29 µs against ~56 µs for
/// <see cref="Q45KDot512{T}"/> (standalone measurement).</summary>
internal static unsafe class Q4KPanelDot
{
    /// <summary>y[r] for the 8 rows of the panel at w against token (q[cols], dx[nb], sums[cols / 16]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni8(byte* w, int nb, sbyte* q, float* dx, short* sums, float* y)
    {
        Vector256<float> acc = default;
        var low = Vector256.Create((byte)0x0F);
        for (int b = 0; b < nb; b++)
        {
            byte* sb = w + (long)b * Q4KPanels.BlockBytes, qs = sb + Q4KPanels.QuantOffset;
            byte* sc = sb + Q4KPanels.ScaleOffset, mn = sb + Q4KPanels.MinOffset;
            sbyte* x = q + b * 256;
            short* g16 = sums + b * 16;
            Vector256<int> s1 = default, s2 = default;
            for (int c = 0; c < 4; c++)
            {
                // sub-blocks 2c (low nibbles, x[64c …]) and 2c + 1 (high nibbles, x[64c + 32 …]); two chains each
                Vector256<int> a0 = default, a1 = default, h0 = default, h1 = default;
                byte* g = qs + c * 256;
                int* xl = (int*)(x + 64 * c), xh = (int*)(x + 64 * c + 32);
                for (int k = 0; k < 8; k += 2)
                {
                    var v = Vector256.Load(g + k * 32);
                    var u = Vector256.Load(g + k * 32 + 32);
                    a0 = AvxVnni.MultiplyWideningAndAdd(a0, v & low, Vector256.Create(xl[k]).AsSByte());
                    h0 = AvxVnni.MultiplyWideningAndAdd(h0, Vector256.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & low, Vector256.Create(xh[k]).AsSByte());
                    a1 = AvxVnni.MultiplyWideningAndAdd(a1, u & low, Vector256.Create(xl[k + 1]).AsSByte());
                    h1 = AvxVnni.MultiplyWideningAndAdd(h1, Vector256.ShiftRightLogical(u.AsUInt16(), 4).AsByte() & low, Vector256.Create(xh[k + 1]).AsSByte());
                }
                s1 += Avx2.MultiplyLow(a0 + a1, Avx2.ConvertToVector256Int32(sc + 16 * c))
                    + Avx2.MultiplyLow(h0 + h1, Avx2.ConvertToVector256Int32(sc + 16 * c + 8));
                s2 += Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(mn + 16 * c), Vector256.Create(g16[4 * c] + g16[4 * c + 1]))
                    + Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(mn + 16 * c + 8), Vector256.Create(g16[4 * c + 2] + g16[4 * c + 3]));
            }
            var dy = Vector256.Create(dx[b]);
            var ddy = HalfWidener.Widen8((ushort*)(sb + Q4KPanels.DOffset)) * dy;
            var dmdy = HalfWidener.Widen8((ushort*)(sb + Q4KPanels.DMinOffset)) * dy;
            acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(s1), ddy, acc);
            acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(s2), -dmdy, acc);
        }
        acc.Store(y);
    }

    /// <summary><see cref="Vnni8"/> for four consecutive tokens of the activations (token t at q + t·256·nb, dx + t·nb,
    /// sums + t·16·nb; its 8 results at y + t·ldy): each 32-byte group's nibbles are taken apart once for the four
    /// (a sequence's decode step batches them), the scales and mins widened once. Per token the same integers
    /// and the same float sequence as <see cref="Vnni8"/>, so the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni8x4(byte* w, int nb, sbyte* q, float* dx, short* sums, float* y, nint ldy)
    {
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        var low = Vector256.Create((byte)0x0F);
        int cols = nb * 256, groups = nb * 16;
        for (int b = 0; b < nb; b++)
        {
            byte* sb = w + (long)b * Q4KPanels.BlockBytes, qs = sb + Q4KPanels.QuantOffset;
            byte* sc = sb + Q4KPanels.ScaleOffset, mn = sb + Q4KPanels.MinOffset;
            sbyte* x0 = q + b * 256, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
            short* g0 = sums + b * 16, g1 = g0 + groups, g2 = g1 + groups, g3 = g2 + groups;
            Vector256<int> s10 = default, s11 = default, s12 = default, s13 = default;
            Vector256<int> s20 = default, s21 = default, s22 = default, s23 = default;
            for (int c = 0; c < 4; c++)
            {
                // sub-blocks 2c (low nibbles, x[64c …]) and 2c + 1 (high nibbles, x[64c + 32 …]), one chain per token each
                Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector256<int> h0 = default, h1 = default, h2 = default, h3 = default;
                byte* g = qs + c * 256;
                int o = 64 * c;
                for (int k = 0; k < 8; k++)
                {
                    var v = Vector256.Load(g + k * 32);
                    var lo = v & low;
                    var hi = Vector256.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & low;
                    int l = o + 4 * k, h = l + 32;
                    a0 = AvxVnni.MultiplyWideningAndAdd(a0, lo, Vector256.Create(*(int*)(x0 + l)).AsSByte());
                    a1 = AvxVnni.MultiplyWideningAndAdd(a1, lo, Vector256.Create(*(int*)(x1 + l)).AsSByte());
                    a2 = AvxVnni.MultiplyWideningAndAdd(a2, lo, Vector256.Create(*(int*)(x2 + l)).AsSByte());
                    a3 = AvxVnni.MultiplyWideningAndAdd(a3, lo, Vector256.Create(*(int*)(x3 + l)).AsSByte());
                    h0 = AvxVnni.MultiplyWideningAndAdd(h0, hi, Vector256.Create(*(int*)(x0 + h)).AsSByte());
                    h1 = AvxVnni.MultiplyWideningAndAdd(h1, hi, Vector256.Create(*(int*)(x1 + h)).AsSByte());
                    h2 = AvxVnni.MultiplyWideningAndAdd(h2, hi, Vector256.Create(*(int*)(x2 + h)).AsSByte());
                    h3 = AvxVnni.MultiplyWideningAndAdd(h3, hi, Vector256.Create(*(int*)(x3 + h)).AsSByte());
                }
                var scL = Avx2.ConvertToVector256Int32(sc + 16 * c);
                var scH = Avx2.ConvertToVector256Int32(sc + 16 * c + 8);
                s10 += Avx2.MultiplyLow(a0, scL) + Avx2.MultiplyLow(h0, scH);
                s11 += Avx2.MultiplyLow(a1, scL) + Avx2.MultiplyLow(h1, scH);
                s12 += Avx2.MultiplyLow(a2, scL) + Avx2.MultiplyLow(h2, scH);
                s13 += Avx2.MultiplyLow(a3, scL) + Avx2.MultiplyLow(h3, scH);
                var mnL = Avx2.ConvertToVector256Int32(mn + 16 * c);
                var mnH = Avx2.ConvertToVector256Int32(mn + 16 * c + 8);
                int m = 4 * c;
                s20 += Avx2.MultiplyLow(mnL, Vector256.Create(g0[m] + g0[m + 1])) + Avx2.MultiplyLow(mnH, Vector256.Create(g0[m + 2] + g0[m + 3]));
                s21 += Avx2.MultiplyLow(mnL, Vector256.Create(g1[m] + g1[m + 1])) + Avx2.MultiplyLow(mnH, Vector256.Create(g1[m + 2] + g1[m + 3]));
                s22 += Avx2.MultiplyLow(mnL, Vector256.Create(g2[m] + g2[m + 1])) + Avx2.MultiplyLow(mnH, Vector256.Create(g2[m + 2] + g2[m + 3]));
                s23 += Avx2.MultiplyLow(mnL, Vector256.Create(g3[m] + g3[m + 1])) + Avx2.MultiplyLow(mnH, Vector256.Create(g3[m + 2] + g3[m + 3]));
            }
            var d = HalfWidener.Widen8((ushort*)(sb + Q4KPanels.DOffset));
            var dmin = HalfWidener.Widen8((ushort*)(sb + Q4KPanels.DMinOffset));
            acc0 = Accumulate(acc0, s10, s20, d, dmin, dx[b]);
            acc1 = Accumulate(acc1, s11, s21, d, dmin, dx[b + nb]);
            acc2 = Accumulate(acc2, s12, s22, d, dmin, dx[b + 2 * nb]);
            acc3 = Accumulate(acc3, s13, s23, d, dmin, dx[b + 3 * nb]);
        }
        acc0.Store(y);
        acc1.Store(y + ldy);
        acc2.Store(y + 2 * ldy);
        acc3.Store(y + 3 * ldy);
    }

    /// <summary>A super-block's S1 and S2 into one token's accumulator, in <see cref="Vnni8"/>'s order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate(Vector256<float> acc, Vector256<int> s1, Vector256<int> s2, Vector256<float> d,
        Vector256<float> dmin, float dx)
    {
        var dy = Vector256.Create(dx);
        acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(s1), d * dy, acc);
        return Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(s2), -(dmin * dy), acc);
    }
}
