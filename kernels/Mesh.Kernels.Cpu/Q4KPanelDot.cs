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
}
