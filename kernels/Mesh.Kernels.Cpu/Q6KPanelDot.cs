using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>One token against one panel of a <see cref="TensorType.Q6_Kx8"/> matrix (<see cref="Q6KPanels"/>), rows in
/// the lanes: each (half, m) step rebuilds the 6-bit quants of 4 values in each quarter of the half from two ql
/// vectors and one qh vector (8 rows × 4 bytes each), `vpdpbusd` against the token's 4 bytes broadcast; a group's
/// sums are multiplied by its 8 int8 scales once (`vpmulld`), and S2 = Σ 32·scale·Σx as the row kernels define it.
/// Same S1, S2 and float part as <see cref="KQuantDot{T}.Accumulate"/>, so the same bits as every other Q6_K kernel.</summary>
internal static unsafe class Q6KPanelDot
{
    /// <summary>y[r] for the 8 rows of the panel at w against token (q[cols], dx[nb], sums[cols / 16]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni8(byte* w, int nb, sbyte* q, float* dx, short* sums, float* y)
    {
        Vector256<float> acc = default;
        var low = Vector256.Create((byte)0x0F);
        var high = Vector256.Create((byte)0x30);
        for (int b = 0; b < nb; b++)
        {
            byte* sb = w + (long)b * Q6KPanels.BlockBytes, scales = sb + Q6KPanels.ScaleOffset;
            sbyte* x = q + b * 256;
            short* g16 = sums + b * 16;
            Vector256<int> s1 = default, s2 = default;
            for (int h = 0; h < 2; h++)
            {
                for (int j = 0; j < 2; j++)
                {
                    // quarters k = 0…3 of values 128h + 32k + 16j … + 15: groups 8h + 2k + j
                    Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
                    for (int m4 = 0; m4 < 4; m4++)
                    {
                        int m = 4 * j + m4;
                        byte* step = sb + Q6KPanels.QuantOffset + (h * 8 + m) * 96;
                        var ql0 = Vector256.Load(step).AsUInt16();
                        var ql1 = Vector256.Load(step + 32).AsUInt16();
                        var qh = Vector256.Load(step + 64).AsUInt16();
                        var q0 = (ql0.AsByte() & low) | ((qh << 4).AsByte() & high);
                        var q1 = (ql1.AsByte() & low) | ((qh << 2).AsByte() & high);
                        var q2 = (Vector256.ShiftRightLogical(ql0, 4).AsByte() & low) | (qh.AsByte() & high);
                        var q3 = (Vector256.ShiftRightLogical(ql1, 4).AsByte() & low) | (Vector256.ShiftRightLogical(qh, 2).AsByte() & high);
                        sbyte* xm = x + 128 * h + 4 * m;
                        a0 = AvxVnni.MultiplyWideningAndAdd(a0, q0, Vector256.Create(*(int*)xm).AsSByte());
                        a1 = AvxVnni.MultiplyWideningAndAdd(a1, q1, Vector256.Create(*(int*)(xm + 32)).AsSByte());
                        a2 = AvxVnni.MultiplyWideningAndAdd(a2, q2, Vector256.Create(*(int*)(xm + 64)).AsSByte());
                        a3 = AvxVnni.MultiplyWideningAndAdd(a3, q3, Vector256.Create(*(int*)(xm + 96)).AsSByte());
                    }
                    int g = 8 * h + j;
                    s1 += Group(a0, scales, g, g16, ref s2) + Group(a1, scales, g + 2, g16, ref s2)
                        + Group(a2, scales, g + 4, g16, ref s2) + Group(a3, scales, g + 6, g16, ref s2);
                }
            }
            var ddy = HalfWidener.Widen8((ushort*)(sb + Q6KPanels.DOffset)) * Vector256.Create(dx[b]);
            acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(s1), ddy, acc);
            acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(s2), -ddy, acc);
        }
        acc.Store(y);
    }

    /// <summary><see cref="Vnni8"/> for four consecutive tokens of the activations (token t at q + t·256·nb, dx + t·nb,
    /// sums + t·16·nb; its 8 results at y + t·ldy): a quarter's quants are rebuilt once for the four tokens (a quarter
    /// at a time, so each token needs one accumulator), the scales widened once. Per token the same integers and the
    /// same float sequence as <see cref="Vnni8"/>, so the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni8x4(byte* w, int nb, sbyte* q, float* dx, short* sums, float* y, nint ldy)
    {
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        var low = Vector256.Create((byte)0x0F);
        var high = Vector256.Create((byte)0x30);
        int cols = nb * 256, groups = nb * 16;
        for (int b = 0; b < nb; b++)
        {
            byte* sb = w + (long)b * Q6KPanels.BlockBytes, scales = sb + Q6KPanels.ScaleOffset;
            sbyte* x0 = q + b * 256, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
            short* g0 = sums + b * 16, g1 = g0 + groups, g2 = g1 + groups, g3 = g2 + groups;
            Vector256<int> s10 = default, s11 = default, s12 = default, s13 = default;
            Vector256<int> s20 = default, s21 = default, s22 = default, s23 = default;
            for (int h = 0; h < 2; h++)
            {
                for (int j = 0; j < 2; j++)
                {
                    for (int k = 0; k < 4; k++)
                    {
                        // quarter k of values 128h + 32k + 16j … + 15: group 8h + 2k + j
                        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
                        for (int m4 = 0; m4 < 4; m4++)
                        {
                            int m = 4 * j + m4;
                            byte* step = sb + Q6KPanels.QuantOffset + (h * 8 + m) * 96;
                            var ql = Vector256.Load(step + 32 * (k & 1)).AsUInt16();
                            var qh = Vector256.Load(step + 64).AsUInt16();
                            var qk = k switch
                            {
                                0 => (ql.AsByte() & low) | ((qh << 4).AsByte() & high),
                                1 => (ql.AsByte() & low) | ((qh << 2).AsByte() & high),
                                2 => (Vector256.ShiftRightLogical(ql, 4).AsByte() & low) | (qh.AsByte() & high),
                                _ => (Vector256.ShiftRightLogical(ql, 4).AsByte() & low) | (Vector256.ShiftRightLogical(qh, 2).AsByte() & high),
                            };
                            int o = 128 * h + 4 * m + 32 * k;
                            a0 = AvxVnni.MultiplyWideningAndAdd(a0, qk, Vector256.Create(*(int*)(x0 + o)).AsSByte());
                            a1 = AvxVnni.MultiplyWideningAndAdd(a1, qk, Vector256.Create(*(int*)(x1 + o)).AsSByte());
                            a2 = AvxVnni.MultiplyWideningAndAdd(a2, qk, Vector256.Create(*(int*)(x2 + o)).AsSByte());
                            a3 = AvxVnni.MultiplyWideningAndAdd(a3, qk, Vector256.Create(*(int*)(x3 + o)).AsSByte());
                        }
                        int g = 8 * h + j + 2 * k;
                        var sc = Avx2.ConvertToVector256Int32((sbyte*)(scales + g * Q6KPanels.Rows));
                        s10 += Avx2.MultiplyLow(a0, sc);
                        s11 += Avx2.MultiplyLow(a1, sc);
                        s12 += Avx2.MultiplyLow(a2, sc);
                        s13 += Avx2.MultiplyLow(a3, sc);
                        s20 += Avx2.MultiplyLow(sc, Vector256.Create(32 * g0[g]));
                        s21 += Avx2.MultiplyLow(sc, Vector256.Create(32 * g1[g]));
                        s22 += Avx2.MultiplyLow(sc, Vector256.Create(32 * g2[g]));
                        s23 += Avx2.MultiplyLow(sc, Vector256.Create(32 * g3[g]));
                    }
                }
            }
            var d = HalfWidener.Widen8((ushort*)(sb + Q6KPanels.DOffset));
            acc0 = Accumulate(acc0, s10, s20, d, dx[b]);
            acc1 = Accumulate(acc1, s11, s21, d, dx[b + nb]);
            acc2 = Accumulate(acc2, s12, s22, d, dx[b + 2 * nb]);
            acc3 = Accumulate(acc3, s13, s23, d, dx[b + 3 * nb]);
        }
        acc0.Store(y);
        acc1.Store(y + ldy);
        acc2.Store(y + 2 * ldy);
        acc3.Store(y + 3 * ldy);
    }

    /// <summary>A super-block's S1 and S2 into one token's accumulator, in <see cref="Vnni8"/>'s order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate(Vector256<float> acc, Vector256<int> s1, Vector256<int> s2, Vector256<float> d, float dx)
    {
        var ddy = d * Vector256.Create(dx);
        acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(s1), ddy, acc);
        return Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(s2), -ddy, acc);
    }

    /// <summary>Group g's sums times its 8 scales; adds 32·scale·Σx of the group to s2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Group(Vector256<int> sums, byte* scales, int g, short* g16, ref Vector256<int> s2)
    {
        var sc = Avx2.ConvertToVector256Int32((sbyte*)(scales + g * Q6KPanels.Rows));
        s2 += Avx2.MultiplyLow(sc, Vector256.Create(32 * g16[g]));
        return Avx2.MultiplyLow(sums, sc);
    }
}
