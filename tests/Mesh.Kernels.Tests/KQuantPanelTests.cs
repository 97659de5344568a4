using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>The Q4_Kx8 and Q6_Kx8 panel layouts (<see cref="Q4KPanels"/>, <see cref="Q6KPanels"/>): lossless
/// rearrangements of Q4_K and Q6_K rows whose products give the same bits as the rows they came from, on every kernel,
/// alone or in any batch, quantised or exact, and against the reference kernels.</summary>
public sealed unsafe class KQuantPanelTests
{
    [Theory]
    [InlineData(TensorType.Q4_K, 148)]
    [InlineData(TensorType.Q6_K, 210)]
    public void Repacking_keeps_every_byte_of_any_block(TensorType type, int panelBlockBytes)
    {
        // random bytes: every scale/min packing pattern, whatever d and dmin hold
        const int rows = 16, cols = 512;
        var raw = new byte[rows * cols / 256 * TensorTypes.BlockBytes(type)];
        new Random(51).NextBytes(raw);
        using var m = new PanelPair(new NativeMatrix(raw, rows, cols, type));
        Assert.Equal((long)panelBlockBytes * rows * 2, m.Panels.ByteLength);
        var row = new byte[m.Rows.Matrix.RowBytes];
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(m.Rows.Matrix.Row(r).ToArray(), StoredRows.Get(m.Panels, r, row).ToArray());
        }
        Assert.Throws<InvalidOperationException>(() => m.Panels.Row(0).Length);
        Assert.False(TensorTypes.IsKnown((uint)m.Panels.Type));
    }

    [Theory]
    [InlineData(TensorType.Q4_K, 1, 48)]
    [InlineData(TensorType.Q4_K, 3, 40)]
    [InlineData(TensorType.Q4_K, 6, 48)]    // one pass of the four-token panel kernel and two tokens one by one
    [InlineData(TensorType.Q4_K, 8, 48)]
    [InlineData(TensorType.Q4_K, 19, 40)]   // two batch groups of 8 and 3 tokens left over; 40 rows: the last 16-row item is half full
    [InlineData(TensorType.Q4_K, 40, 48)]
    [InlineData(TensorType.Q4_K, 50, 40)]   // past the panel kernel's token limit: the panels are unpacked for the batch tiles
    [InlineData(TensorType.Q6_K, 1, 48)]
    [InlineData(TensorType.Q6_K, 3, 40)]
    [InlineData(TensorType.Q6_K, 6, 40)]
    [InlineData(TensorType.Q6_K, 8, 48)]
    [InlineData(TensorType.Q6_K, 19, 40)]
    [InlineData(TensorType.Q6_K, 50, 40)]
    public void Panels_give_the_bits_of_the_rows_on_every_kernel(TensorType type, int n, int rows)
    {
        const int cols = 512;
        using var m = PanelPair.Encoded(type, rows, cols, 52);
        var x = TestData.Random(n * cols, 53, scale: 3);
        x[5] = 40;   // an outlier
        m.AssertRowsBitsOnEveryKernel(x, n);
    }

    [Theory]
    [InlineData(TensorType.Q4_K)]
    [InlineData(TensorType.Q6_K)]
    public void Panels_match_the_reference_kernels_and_share_a_pass_with_rows(TensorType type)
    {
        const int rows = 24, cols = 256, n = 9;
        using var m = PanelPair.Encoded(type, rows, cols, 54);
        using var q6 = new NativeMatrix(TestData.Random(rows * cols, 55), rows, cols, TensorType.Q6_K);
        var x = TestData.Random(n * cols, 56);
        foreach (bool quantised in new[] { true, false })
        {
            using var cpu = new CpuKernels(2, new CpuKernelOptions { QuantizeQ8Activations = quantised });
            var y = m.AssertMatchesReference(cpu, quantised, x, n);
            // a Q4_K_M layer: panels and Q6_K rows in one shared pass
            var a = new float[n * rows];
            var b = new float[n * rows];
            var b6 = new float[n * rows];
            cpu.MatMulShared(x, n, m.Panels, a, q6.Matrix, b, default, default);
            cpu.MatMul(q6.Matrix, x, b6, n);
            Assert.Equal(y, a);
            Assert.Equal(b6, b);
        }
    }
}
