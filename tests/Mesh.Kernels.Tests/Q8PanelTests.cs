using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>The Q8_0x8 panel layout (<see cref="Q8Panels"/>): a lossless rearrangement of Q8_0 rows whose products
/// give the same bits as the rows they came from, on every kernel, alone or in any batch, quantised or exact, and
/// against the reference kernels.</summary>
public sealed unsafe class Q8PanelTests
{
    [Fact]
    public void Repacking_keeps_every_byte_and_changes_the_layout()
    {
        const int rows = 16, cols = 96;
        using var m = PanelPair.Encoded(TensorType.Q8_0, rows, cols, 41);
        var row = new byte[m.Rows.Matrix.RowBytes];
        for (int r = 0; r < rows; r++)
        {
            Q8Panels.UnpackRow(m.Panels.Data, cols, r, row);
            Assert.Equal(m.Rows.Matrix.Row(r).ToArray(), row);
        }
        // row 1's first scale now sits right after row 0's, and quants are stored as q + 128
        Assert.Equal(*(ushort*)(m.Rows.Matrix.Data + m.Rows.Matrix.RowBytes), *(ushort*)(m.Panels.Data + 2));
        Assert.Equal((byte)(m.Rows.Matrix.Data[2] ^ 0x80), m.Panels.Data[Q8Panels.QuantOffset]);
        Assert.Throws<InvalidOperationException>(() => m.Panels.Row(0).Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]    // the two-token panel kernel and one token
    [InlineData(4)]
    [InlineData(7)]    // four, two and one
    [InlineData(8)]
    [InlineData(19)]   // two batch groups of 8 (the two-group AVX-512 tile) and 3 one-token remainders
    [InlineData(40)]
    public void Panels_give_the_bits_of_the_rows_on_every_kernel(int n)
    {
        const int rows = 48, cols = 320;
        using var m = PanelPair.Encoded(TensorType.Q8_0, rows, cols, 42);
        var x = TestData.Random(n * cols, 43, scale: 3);
        x[5] = 40;   // an outlier block
        m.AssertRowsBitsOnEveryKernel(x, n);
    }

    [Fact]
    public void Panels_match_the_reference_kernels()
    {
        const int rows = 24, cols = 128, n = 9;
        using var m = PanelPair.Encoded(TensorType.Q8_0, rows, cols, 44);
        var x = TestData.Random(n * cols, 45);
        foreach (bool quantised in new[] { true, false })
        {
            using var cpu = new CpuKernels(2, new CpuKernelOptions { QuantizeQ8Activations = quantised });
            m.AssertMatchesReference(cpu, quantised, x, n);
        }
    }

    [Fact]
    public void Shapes_that_are_not_whole_panels_stay_rows()
    {
        Assert.True(Q8Panels.Fits(16, 64));
        Assert.False(Q8Panels.Fits(12, 64));
        Assert.Null(PanelLayouts.PanelType(TensorType.Q8_0, 12, 64));
        Assert.Null(PanelLayouts.PanelType(TensorType.Q4_K, 16, 128));   // not whole super-blocks
        Assert.Null(PanelLayouts.PanelType(TensorType.F16, 16, 64));
        Assert.Equal(TensorType.Q6_Kx8, PanelLayouts.PanelType(TensorType.Q6_K, 16, 256));
        Assert.False(TensorTypes.IsKnown((uint)TensorType.Q8_0x8));   // never a file's type id
        Assert.True(TensorTypes.IsKnown((uint)TensorType.Q8_0));
    }
}
