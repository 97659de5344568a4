using BenchmarkDotNet.Attributes;
using Mesh.Kernels;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Benchmarks;

/// <summary>A few sequences decoding together: the same layer (768 → 2048) for 1, 2, 4 and 8 tokens on the layouts the
/// engine runs (Q8_0 and Q4_K in panels, F16 in rows), weights cycled from memory as in a decode step. Per token the
/// cost should fall as tokens share each weight read: the two- and four-token panel kernels, the 8 × 8 Q8_0 tile.</summary>
[MemoryDiagnoser]
public class DecodeBatchBenchmarks
{
    private const int Rows = 2048, Cols = 768;
    private BenchMatrix _w = null!;
    private CpuKernels _k = null!;
    private float[] _x = null!, _y = null!;

    [Params(TensorType.Q8_0, TensorType.Q4_K, TensorType.F16)]
    public TensorType Type { get; set; }

    [Params(1, 2, 4, 8)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _w = new BenchMatrix(Rows, Cols, Type, cycleBytes: 512L << 20, panels: Type != TensorType.F16);
        _k = new CpuKernels(2, new CpuKernelOptions { QuantizeQ8Activations = true });
        _x = new float[Tokens * Cols];
        _y = new float[Tokens * Rows];
        var rng = new Random(3);
        for (int i = 0; i < _x.Length; i++) _x[i] = (float)(rng.NextDouble() * 2 - 1);
    }

    [Benchmark]
    public void MatMul() => _k.MatMul(_w.Next(), _x, _y, Tokens);

    [GlobalCleanup]
    public void Cleanup()
    {
        _k.Dispose();
        _w.Dispose();
    }
}
