using System.Runtime.Intrinsics.X86;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>The F16 → F32 widening behind F16 weights, the F16 KV cache and the quantised blocks' scales, over every
/// one of the 65 536 half bit patterns: the vector paths give the bits of the one-at-a-time widening, and that equals
/// the framework's (Half → float) conversion on every non-NaN value (signed zeros, subnormals and infinities included).</summary>
public sealed unsafe class HalfWidenerTests
{
    private static ushort[] AllHalves() => Enumerable.Range(0, 1 << 16).Select(i => (ushort)i).ToArray();

    [Fact]
    public void One_at_a_time_equals_the_framework_on_every_value_that_is_not_nan()
    {
        foreach (ushort bits in AllHalves())
        {
            Half h = BitConverter.UInt16BitsToHalf(bits);
            float mine = HalfWidener.ToSingle(bits);
            if (Half.IsNaN(h)) Assert.True(float.IsNaN(mine), $"0x{bits:X4} is NaN and must stay NaN");
            else Assert.Equal(BitConverter.SingleToInt32Bits((float)h), BitConverter.SingleToInt32Bits(mine));
        }
    }

    [Fact]
    public void Rows_widen_to_the_same_bits_as_one_at_a_time()
    {
        var halves = AllHalves();
        var floats = new float[halves.Length + 5];
        fixed (ushort* src = halves)
        fixed (float* dst = floats)
        {
            // an odd length and an odd start: the 16-wide, 8-wide and scalar tails all run
            HalfWidener.ToSingle(src + 3, dst + 3, halves.Length - 3);
        }
        for (int i = 3; i < halves.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(HalfWidener.ToSingle(halves[i])) == BitConverter.SingleToInt32Bits(floats[i]),
                $"half 0x{halves[i]:X4}: row widening gave 0x{BitConverter.SingleToInt32Bits(floats[i]):X8}");
    }

    [Fact]
    public void Halves_in_the_low_bits_of_lanes_widen_alike_whatever_the_high_bits_hold()
    {
        // the form the block-scale gathers produce: a half in each lane's low 16 bits, its neighbour above
        for (int i = 0; i < 1 << 16; i += 8)
        {
            var lanes = System.Runtime.Intrinsics.Vector256.Create(
                i | 0x5A5A0000, (i + 1) | unchecked((int)0xFFFF0000), i + 2, (i + 3) | 0x12340000,
                (i + 4) | 0x7C000000, i + 5, (i + 6) | unchecked((int)0x80000000), (i + 7) | 0x00010000);
            var wide = HalfWidener.Widen8(lanes);
            for (int j = 0; j < 8; j++)
                Assert.Equal(BitConverter.SingleToInt32Bits(HalfWidener.ToSingle((ushort)(i + j))), BitConverter.SingleToInt32Bits(wide[j]));
        }
    }

    [SkippableFact]
    public void Eight_and_sixteen_lane_widening_agree_lane_by_lane()
    {
        Skip.IfNot(Avx512F.IsSupported, "this CPU has no AVX-512: the 16-lane widening never runs here");
        var halves = AllHalves();
        fixed (ushort* src = halves)
        {
            for (int i = 0; i < halves.Length; i += 16)
            {
                var wide = HalfWidener.Widen16(src + i);
                var low = HalfWidener.Widen8(src + i);
                var high = HalfWidener.Widen8(src + i + 8);
                for (int j = 0; j < 8; j++)
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(low[j]), BitConverter.SingleToInt32Bits(wide[j]));
                    Assert.Equal(BitConverter.SingleToInt32Bits(high[j]), BitConverter.SingleToInt32Bits(wide[8 + j]));
                }
            }
        }
    }
}
