using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>The Q8_K activation quantiser (llama.cpp's scheme for K-quant products) on its vector and
/// scalar paths against the definition: the scale from the first value of largest magnitude, quants
/// rounded to even and capped at 127, the 16 group sums; an all-zero block stays zero.</summary>
public sealed class Q8KQuantizerTests
{
    public static readonly TheoryData<bool> Paths = new(false, true);

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public unsafe void Quantiser_matches_the_definition(bool simd)
    {
        Skip.If(simd && !System.Runtime.Intrinsics.X86.Avx2.IsSupported, "no AVX2 on this CPU");
        var x = TestData.Random(3 * 256, 61, scale: 2);
        x[10] = -5; x[100] = 5;           // a tie in magnitude: the first (negative) one sets the sign
        x[300] = 0.5f * 4 / 127;          // halfway cases in the second block (max 4 below)
        x[301] = 1.5f * 4 / 127;
        x[400] = 4;
        for (int j = 512; j < 768; j++) x[j] = 0;   // an all-zero block
        var (q, d, sums) = ActivationReference.Q8_KParts(x);
        var actualQ = new sbyte[x.Length];
        var actualD = new float[3];
        var actualSums = new short[x.Length / 16];
        fixed (float* px = x)
        fixed (sbyte* pq = actualQ)
        fixed (short* ps = actualSums)
        {
            for (int b = 0; b < 3; b++)
                Q8KQuantizer.QuantizeBlock(px + 256 * b, pq + 256 * b, out actualD[b], ps + 16 * b, simd);
        }
        Assert.Equal(d, actualD);
        Assert.Equal(q, actualQ);
        Assert.Equal(sums, actualSums);
        Assert.Equal(-127, actualQ[10]);   // iscale = −127/max maps max itself to −127
        Assert.Equal(127, actualQ[100]);
        Assert.Equal(0f, actualD[2]);
    }
}
