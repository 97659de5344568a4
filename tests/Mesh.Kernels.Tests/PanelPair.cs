using System.Runtime.InteropServices;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>A stored matrix and the same matrix rewritten into its panel layout (<see cref="PanelLayouts"/>).</summary>
internal sealed unsafe class PanelPair : IDisposable
{
    /// <summary>Every kernel path the panel layouts run on: VNNI, AVX2 with and without VNNI, scalar, each quantised,
    /// and the exact mode on the widest path and on scalar.</summary>
    public static readonly CpuKernelOptions[] Kernels =
    [
        new() { Path = SimdPaths.Best, QuantizeQ8Activations = true },
        new() { Path = SimdPaths.IsSupported(SimdPath.Avx2) ? SimdPath.Avx2 : SimdPath.Scalar, QuantizeQ8Activations = true },
        new() { Path = SimdPaths.IsSupported(SimdPath.Avx2) ? SimdPath.Avx2 : SimdPath.Scalar, UseVnni = false, QuantizeQ8Activations = true },
        new() { Path = SimdPath.Scalar, QuantizeQ8Activations = true },
        new() { Path = SimdPaths.Best, QuantizeQ8Activations = false },
        new() { Path = SimdPath.Scalar, QuantizeQ8Activations = false },
    ];

    public readonly NativeMatrix Rows;
    private readonly byte* _panels;
    public WeightMatrix Panels { get; }

    public PanelPair(NativeMatrix rows)
    {
        Rows = rows;
        var w = rows.Matrix;
        var panelType = PanelLayouts.PanelType(w.Type, w.Rows, w.Cols)
            ?? throw new ArgumentException($"a [{w.Rows}, {w.Cols}] {w.Type} matrix has no panel layout");
        long bytes = TensorTypes.ByteSize(panelType, (long)w.Rows * w.Cols);
        _panels = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        PanelLayouts.Repack(w, _panels, 0, w.Rows);
        Panels = new WeightMatrix(_panels, w.Rows, w.Cols, panelType);
    }

    /// <summary>Random values encoded as <paramref name="type"/>, and their panels.</summary>
    public static PanelPair Encoded(TensorType type, int rows, int cols, int seed) =>
        new(new NativeMatrix(TestData.Random(rows * cols, seed), rows, cols, type));

    /// <summary>On every kernel path (<see cref="Kernels"/>): <paramref name="n"/> tokens of <paramref name="x"/>
    /// through the panels give the bits of the rows, and the last token alone gives its row of them.</summary>
    public void AssertRowsBitsOnEveryKernel(float[] x, int n)
    {
        int rows = Panels.Rows, cols = Panels.Cols;
        foreach (var o in Kernels)
        {
            using var cpu = new CpuKernels(2, o);
            var fromRows = new float[n * rows];
            var fromPanels = new float[n * rows];
            cpu.MatMul(Rows.Matrix, x, fromRows, n);
            cpu.MatMul(Panels, x, fromPanels, n);
            Assert.Equal(fromRows, fromPanels);
            var alone = new float[rows];
            cpu.MatMul(Panels, x.AsSpan((n - 1) * cols, cols), alone, 1);
            Assert.Equal(fromRows.AsSpan((n - 1) * rows, rows).ToArray(), alone);
        }
    }

    /// <summary>
    /// The reference kernels give the same bits on rows and panels; <paramref name="cpu"/>'s product over the panels
    /// matches them (bit for bit on the integer path, <paramref name="quantised"/>); row 13 read back through the
    /// panels is the row. Returns <paramref name="cpu"/>'s product.
    /// </summary>
    public float[] AssertMatchesReference(CpuKernels cpu, bool quantised, float[] x, int n)
    {
        int rows = Panels.Rows, cols = Panels.Cols;
        var reference = new ReferenceKernels(quantised);
        var fromRows = new float[n * rows];
        var fromPanels = new float[n * rows];
        reference.MatMul(Rows.Matrix, x, fromRows, n);
        reference.MatMul(Panels, x, fromPanels, n);
        Assert.Equal(fromRows, fromPanels);
        var y = new float[n * rows];
        cpu.MatMul(Panels, x, y, n);
        if (quantised) Assert.Equal(fromPanels, y);   // the integer path is exact: same bits as the reference
        else Assert.True(TestData.Nmse(fromPanels, y) < 1e-10, $"nmse {TestData.Nmse(fromPanels, y)}");
        var row = new float[cols];
        var expectedRow = new float[cols];
        reference.ReadRow(Rows.Matrix, 13, expectedRow);
        cpu.ReadRow(Panels, 13, row);
        Assert.Equal(expectedRow, row);
        return y;
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_panels);
        Rows.Dispose();
    }
}
