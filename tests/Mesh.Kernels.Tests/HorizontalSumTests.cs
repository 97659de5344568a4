using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>The four-at-once horizontal sum gives each accumulator the bits of the one horizontal sum every tile ends
/// with (a token's result must not depend on which tile reduced it).</summary>
public sealed unsafe class HorizontalSumTests
{
    [SkippableFact]
    public void Four_at_once_equals_one_at_a_time_bit_for_bit()
    {
        Skip.IfNot(Avx512F.IsSupported, "this CPU has no AVX-512: the four-at-once sum never runs here");
        var r = new Random(71);
        float* y = stackalloc float[4];
        for (int round = 0; round < 20_000; round++)
        {
            // magnitudes over many binades, so the order of the additions shows in the rounding
            var a = new Vector512<float>[4];
            for (int i = 0; i < 4; i++)
            {
                var lanes = new float[16];
                for (int l = 0; l < 16; l++)
                    lanes[l] = round % 97 == 0 && l % 5 == 0 ? -0f : (float)((r.NextDouble() * 2 - 1) * Math.Pow(2, r.Next(-30, 30)));
                a[i] = Vector512.Create(lanes);
            }
            DotTiles512.Sum4(a[0], a[1], a[2], a[3], y);
            for (int i = 0; i < 4; i++)
            {
                float one = DotTiles512.Sum(a[i]);
                if (BitConverter.SingleToInt32Bits(one) != BitConverter.SingleToInt32Bits(y[i]))
                    Assert.Fail($"round {round}, accumulator {i}: {y[i]:R} four at once, {one:R} alone");
            }
        }
    }
}
