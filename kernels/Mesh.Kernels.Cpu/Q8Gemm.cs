using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>The VNNI tile for batches: 4 weight rows × 8 tokens, tokens in the lanes. Per block, each
/// row's 4-byte groups are broadcast as w + 128 (unsigned: the sign bit flipped) against the packed q of
/// 8 tokens (vpdpbusd), giving dot + 128·Σq per token exactly; the correction comes with the tokens
/// (<see cref="ActivationQuantizer.PackedCorrection"/>), so a panel needs no set-up beyond its scales,
/// and then the same fma per block as <see cref="Q8Dot"/>, so a token's result equals its single-token result.</summary>
internal static unsafe class Q8Gemm
{
    /// <param name="w">4 rows, stride rowBytes.</param>
    /// <param name="xp">The group's packed blocks: [nb, 8 (k/4), 8 tokens, 4].</param>
    /// <param name="dx">The group's block scales: [nb, 8 tokens].</param>
    /// <param name="corr">The group's 128·Σq: [nb, 8 tokens].</param>
    /// <param name="dwT">Block scales of the 8-row panel, [nb, 8]; this tile's rows start at column r0.</param>
    /// <param name="y">y[token · ldy + row] for the 8 tokens and 4 rows.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni4x8(byte* w, int rowBytes, int nb, sbyte* xp, float* dx, int* corr, float* dwT, int r0, float* y, nint ldy)
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        var flip = Vector256.Create(unchecked((int)0x80808080));
        byte* w0 = w + 2, w1 = w0 + rowBytes, w2 = w0 + 2 * rowBytes, w3 = w0 + 3 * rowBytes;
        for (int b = 0; b < nb; b++)
        {
            var c = -Vector256.Load(corr + b * 8);
            Vector256<int> i0 = c, i1 = c, i2 = c, i3 = c;
            sbyte* xb = xp + (long)b * 256;
            int off = b * Q8Dot.BlockBytes;
            for (int k4 = 0; k4 < 32; k4 += 4)
            {
                var x = Vector256.Load(xb + k4 * 8);
                i0 = AvxVnni.MultiplyWideningAndAdd(i0, (Vector256.Create(*(int*)(w0 + off + k4)) ^ flip).AsByte(), x);
                i1 = AvxVnni.MultiplyWideningAndAdd(i1, (Vector256.Create(*(int*)(w1 + off + k4)) ^ flip).AsByte(), x);
                i2 = AvxVnni.MultiplyWideningAndAdd(i2, (Vector256.Create(*(int*)(w2 + off + k4)) ^ flip).AsByte(), x);
                i3 = AvxVnni.MultiplyWideningAndAdd(i3, (Vector256.Create(*(int*)(w3 + off + k4)) ^ flip).AsByte(), x);
            }
            var d = Vector256.Load(dx + b * 8);
            float* s = dwT + b * 8 + r0;
            f0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i0), Vector256.Create(s[0]) * d, f0);
            f1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i1), Vector256.Create(s[1]) * d, f1);
            f2 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i2), Vector256.Create(s[2]) * d, f2);
            f3 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i3), Vector256.Create(s[3]) * d, f3);
        }
        for (int t = 0; t < 8; t++)
        {
            float* yt = y + t * ldy;
            yt[0] = f0.GetElement(t); yt[1] = f1.GetElement(t); yt[2] = f2.GetElement(t); yt[3] = f3.GetElement(t);
        }
    }
}
