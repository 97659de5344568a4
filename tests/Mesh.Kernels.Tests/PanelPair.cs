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

    public void Dispose()
    {
        NativeMemory.AlignedFree(_panels);
        Rows.Dispose();
    }
}
