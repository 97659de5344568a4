using System.Runtime.Intrinsics.X86;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>Pair order, the order the AVX-512 path reads F16 weight rows in: a row widened in pair order holds the
/// same values as widened naturally, moved exactly as x is moved, over every half bit pattern.</summary>
public sealed unsafe class HalfPairsTests
{
    /// <summary>Natural column of position i of a pair-order row of k columns.</summary>
    private static int Column(int i, int k)
    {
        if (i >= (k & ~31)) return i;
        int chunk = i & ~31, j = i & 31, half = j / 16, lane = j % 16;
        return chunk + lane / 4 * 8 + half * 4 + lane % 4;
    }

    [SkippableFact]
    public void A_row_widened_in_pair_order_holds_every_half_exactly_where_x_is_moved()
    {
        Skip.IfNot(Avx512BW.IsSupported, "pair order is the AVX-512 path's");
        const int k = (1 << 16) + 21;   // every bit pattern, then a tail in natural order
        var halves = Enumerable.Range(0, k).Select(i => (ushort)i).ToArray();
        var x = Enumerable.Range(0, k).Select(i => (float)i).ToArray();
        var widened = new float[k];
        var ordered = new float[k];
        fixed (ushort* h = halves)
        fixed (float* w = widened, px = x, o = ordered)
        {
            HalfPairs.ToSingle(h, w, k);
            HalfPairs.Order(px, o, k);
        }
        for (int i = 0; i < k; i++)
        {
            int c = Column(i, k);
            Assert.Equal(c, (int)ordered[i]);
            float expected = HalfWidener.ToSingle(halves[c]);
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(widened[i]),
                $"position {i} (half 0x{halves[c]:X4}): 0x{BitConverter.SingleToInt32Bits(widened[i]):X8}, expected 0x{BitConverter.SingleToInt32Bits(expected):X8}");
        }
    }
}
