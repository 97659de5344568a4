using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>The VNNI tile for batches: 4 weight rows × 8 tokens, tokens in the lanes. Per block, each
/// row's 4-byte groups are broadcast as w + 128 (unsigned: the sign bit flipped) against the packed q of
/// 8 tokens (vpdpbusd), giving dot + 128·Σq per token exactly; the correction comes with the tokens
/// (<see cref="ActivationQuantizer.PackedCorrection"/>), so a panel needs no set-up beyond its scales,
/// and then the same fma per block as <see cref="Q8Dot"/>, so a token's result equals its single-token result.
/// Generic over the panel's layout (<see cref="IQ8Layout"/>): a <see cref="TensorType.Q8_0x8"/> panel's quants
/// are stored unsigned already, and its rows' 4-byte groups sit 4 bytes apart.</summary>
internal static unsafe class Q8Gemm
{
    /// <param name="w">The 8-row panel; this tile takes its rows r0 … r0 + 3.</param>
    /// <param name="xp">The group's packed blocks: [nb, 8 (k/4), 8 tokens, 4].</param>
    /// <param name="dx">The group's block scales: [nb, 8 tokens].</param>
    /// <param name="corr">The group's 128·Σq: [nb, 8 tokens].</param>
    /// <param name="dwT">Block scales of the 8-row panel, [nb, 8]; this tile's rows start at column r0.</param>
    /// <param name="y">y[token · ldy + row] for the 8 tokens and 4 rows.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni4x8<TL>(byte* w, int rowBytes, int nb, sbyte* xp, float* dx, int* corr, float* dwT, int r0, float* y, nint ldy) where TL : struct, IQ8Layout
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        var flip = Vector256.Create(unchecked((int)0x80808080));
        byte* w0 = w + TL.RowStart(rowBytes, r0), w1 = w + TL.RowStart(rowBytes, r0 + 1);
        byte* w2 = w + TL.RowStart(rowBytes, r0 + 2), w3 = w + TL.RowStart(rowBytes, r0 + 3);
        for (int b = 0; b < nb; b++)
        {
            var c = -Vector256.Load(corr + b * 8);
            Vector256<int> i0 = c, i1 = c, i2 = c, i3 = c;
            sbyte* xb = xp + (long)b * 256;
            for (int k4 = 0; k4 < 32; k4 += 4)
            {
                var x = Vector256.Load(xb + k4 * 8);
                i0 = AvxVnni.MultiplyWideningAndAdd(i0, Unsigned<TL>(w0 + TL.Quad(b, k4), flip), x);
                i1 = AvxVnni.MultiplyWideningAndAdd(i1, Unsigned<TL>(w1 + TL.Quad(b, k4), flip), x);
                i2 = AvxVnni.MultiplyWideningAndAdd(i2, Unsigned<TL>(w2 + TL.Quad(b, k4), flip), x);
                i3 = AvxVnni.MultiplyWideningAndAdd(i3, Unsigned<TL>(w3 + TL.Quad(b, k4), flip), x);
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

    /// <summary><see cref="Vnni4x8"/> over all 8 rows of the panel: 8 independent vpdpbusd chains per block where the
    /// 4-row tile has 4, so a group of 8 tokens (eight sequences decoding) is no longer bound by the chains' latency,
    /// and each token vector serves 8 rows. Needs 32 vector registers (8 integer and 8 float accumulators). The same
    /// integers and the same fma per (row, token). One core, 768 columns, weights in cache: 137 GMAC/s against 120 for
    /// two passes of the 4-row tile.</summary>
    /// <param name="ahead">The next <see cref="TensorType.Q8_0x8"/> panel, requested block by block as this one is
    /// computed (<see cref="PrefetchBlock"/>); null for none.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni8x8<TL>(byte* w, int rowBytes, int nb, sbyte* xp, float* dx, int* corr, float* dwT, float* y, nint ldy, byte* ahead = null) where TL : struct, IQ8Layout
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default, f4 = default, f5 = default, f6 = default, f7 = default;
        var flip = Vector256.Create(unchecked((int)0x80808080));
        byte* w0 = w + TL.RowStart(rowBytes, 0), w1 = w + TL.RowStart(rowBytes, 1);
        byte* w2 = w + TL.RowStart(rowBytes, 2), w3 = w + TL.RowStart(rowBytes, 3);
        byte* w4 = w + TL.RowStart(rowBytes, 4), w5 = w + TL.RowStart(rowBytes, 5);
        byte* w6 = w + TL.RowStart(rowBytes, 6), w7 = w + TL.RowStart(rowBytes, 7);
        for (int b = 0; b < nb; b++)
        {
            if (ahead != null) PrefetchBlock(ahead, b);
            var c = -Vector256.Load(corr + b * 8);
            Vector256<int> i0 = c, i1 = c, i2 = c, i3 = c, i4 = c, i5 = c, i6 = c, i7 = c;
            sbyte* xb = xp + (long)b * 256;
            for (int k4 = 0; k4 < 32; k4 += 4)
            {
                var x = Vector256.Load(xb + k4 * 8);
                int q = TL.Quad(b, k4);
                i0 = AvxVnni.MultiplyWideningAndAdd(i0, Unsigned<TL>(w0 + q, flip), x);
                i1 = AvxVnni.MultiplyWideningAndAdd(i1, Unsigned<TL>(w1 + q, flip), x);
                i2 = AvxVnni.MultiplyWideningAndAdd(i2, Unsigned<TL>(w2 + q, flip), x);
                i3 = AvxVnni.MultiplyWideningAndAdd(i3, Unsigned<TL>(w3 + q, flip), x);
                i4 = AvxVnni.MultiplyWideningAndAdd(i4, Unsigned<TL>(w4 + q, flip), x);
                i5 = AvxVnni.MultiplyWideningAndAdd(i5, Unsigned<TL>(w5 + q, flip), x);
                i6 = AvxVnni.MultiplyWideningAndAdd(i6, Unsigned<TL>(w6 + q, flip), x);
                i7 = AvxVnni.MultiplyWideningAndAdd(i7, Unsigned<TL>(w7 + q, flip), x);
            }
            var d = Vector256.Load(dx + b * 8);
            float* s = dwT + b * 8;
            f0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i0), Vector256.Create(s[0]) * d, f0);
            f1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i1), Vector256.Create(s[1]) * d, f1);
            f2 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i2), Vector256.Create(s[2]) * d, f2);
            f3 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i3), Vector256.Create(s[3]) * d, f3);
            f4 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i4), Vector256.Create(s[4]) * d, f4);
            f5 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i5), Vector256.Create(s[5]) * d, f5);
            f6 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i6), Vector256.Create(s[6]) * d, f6);
            f7 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i7), Vector256.Create(s[7]) * d, f7);
        }
        for (int t = 0; t < 8; t++)
        {
            float* yt = y + t * ldy;
            yt[0] = f0.GetElement(t); yt[1] = f1.GetElement(t); yt[2] = f2.GetElement(t); yt[3] = f3.GetElement(t);
            yt[4] = f4.GetElement(t); yt[5] = f5.GetElement(t); yt[6] = f6.GetElement(t); yt[7] = f7.GetElement(t);
        }
    }

    /// <summary><see cref="Vnni4x8"/> for two groups of 8 tokens at once: each broadcast row serves 16 tokens, so a
    /// step loads 6 vectors for 8 vpdpbusd instead of 10 (needs 32 vector registers: 8 integer and 8 float
    /// accumulators). The same integers and the same fma per (row, token).</summary>
    /// <param name="xp">The first group's packed blocks; the second group's follow at xp + nb·256.</param>
    /// <param name="dx">The first group's block scales; the second's at dx + nb·8 (corr likewise).</param>
    /// <param name="y">y[token · ldy + row] for the 16 tokens and 4 rows.</param>
    /// <param name="ahead">As in <see cref="Vnni8x8"/>; the first of a panel's tiles takes it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni4x16<TL>(byte* w, int rowBytes, int nb, sbyte* xp, float* dx, int* corr, float* dwT, int r0, float* y, nint ldy, byte* ahead = null) where TL : struct, IQ8Layout
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default, g0 = default, g1 = default, g2 = default, g3 = default;
        var flip = Vector256.Create(unchecked((int)0x80808080));
        byte* w0 = w + TL.RowStart(rowBytes, r0), w1 = w + TL.RowStart(rowBytes, r0 + 1);
        byte* w2 = w + TL.RowStart(rowBytes, r0 + 2), w3 = w + TL.RowStart(rowBytes, r0 + 3);
        sbyte* xq = xp + (long)nb * 256;
        int* corr2 = corr + nb * 8;
        float* dx2 = dx + nb * 8;
        for (int b = 0; b < nb; b++)
        {
            if (ahead != null) PrefetchBlock(ahead, b);
            var c = -Vector256.Load(corr + b * 8);
            var e = -Vector256.Load(corr2 + b * 8);
            Vector256<int> i0 = c, i1 = c, i2 = c, i3 = c, j0 = e, j1 = e, j2 = e, j3 = e;
            sbyte* xb = xp + (long)b * 256, xc = xq + (long)b * 256;
            for (int k4 = 0; k4 < 32; k4 += 4)
            {
                var x = Vector256.Load(xb + k4 * 8);
                var z = Vector256.Load(xc + k4 * 8);
                var r = Unsigned<TL>(w0 + TL.Quad(b, k4), flip);
                i0 = AvxVnni.MultiplyWideningAndAdd(i0, r, x); j0 = AvxVnni.MultiplyWideningAndAdd(j0, r, z);
                r = Unsigned<TL>(w1 + TL.Quad(b, k4), flip);
                i1 = AvxVnni.MultiplyWideningAndAdd(i1, r, x); j1 = AvxVnni.MultiplyWideningAndAdd(j1, r, z);
                r = Unsigned<TL>(w2 + TL.Quad(b, k4), flip);
                i2 = AvxVnni.MultiplyWideningAndAdd(i2, r, x); j2 = AvxVnni.MultiplyWideningAndAdd(j2, r, z);
                r = Unsigned<TL>(w3 + TL.Quad(b, k4), flip);
                i3 = AvxVnni.MultiplyWideningAndAdd(i3, r, x); j3 = AvxVnni.MultiplyWideningAndAdd(j3, r, z);
            }
            var d = Vector256.Load(dx + b * 8);
            var d2 = Vector256.Load(dx2 + b * 8);
            float* s = dwT + b * 8 + r0;
            var s0 = Vector256.Create(s[0]); var s1 = Vector256.Create(s[1]); var s2 = Vector256.Create(s[2]); var s3 = Vector256.Create(s[3]);
            f0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i0), s0 * d, f0);
            f1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i1), s1 * d, f1);
            f2 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i2), s2 * d, f2);
            f3 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i3), s3 * d, f3);
            g0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(j0), s0 * d2, g0);
            g1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(j1), s1 * d2, g1);
            g2 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(j2), s2 * d2, g2);
            g3 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(j3), s3 * d2, g3);
        }
        for (int t = 0; t < 8; t++)
        {
            float* yt = y + t * ldy, yu = y + (t + 8) * ldy;
            yt[0] = f0.GetElement(t); yt[1] = f1.GetElement(t); yt[2] = f2.GetElement(t); yt[3] = f3.GetElement(t);
            yu[0] = g0.GetElement(t); yu[1] = g1.GetElement(t); yu[2] = g2.GetElement(t); yu[3] = g3.GetElement(t);
        }
    }

    /// <summary>Requests block b of the <see cref="TensorType.Q8_0x8"/> panel at <paramref name="ahead"/> (its 8 scales and 256
    /// quants, 272 bytes). A tile spreads the next panel's requests over its own blocks: one burst of ~100 line
    /// requests per panel (<see cref="Prefetcher.Rows"/>) fills the core's miss buffers and stalls it, and left to the
    /// hardware alone an 8-token product streamed its weights at ~11 GB/s a core; spread out, ~17 (the tile's
    /// in-cache rate, 137 GMAC/s a core, needs 18).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchBlock(byte* ahead, int b)
    {
        byte* a = ahead + (long)b * Q8Panels.BlockBytes;
        Sse.Prefetch0(a); Sse.Prefetch0(a + 64); Sse.Prefetch0(a + 128); Sse.Prefetch0(a + 192); Sse.Prefetch0(a + 256);
    }

    /// <summary>The 4 quants at p broadcast to every lane as unsigned bytes (q + 128).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Unsigned<TL>(byte* p, Vector256<int> flip) where TL : struct, IQ8Layout
    {
        var v = Vector256.Create(*(int*)p);
        return (TL.StoresUnsigned ? v : v ^ flip).AsByte();
    }
}
