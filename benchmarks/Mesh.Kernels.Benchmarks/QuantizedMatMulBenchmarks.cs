using BenchmarkDotNet.Attributes;
using Mesh.Kernels;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Benchmarks;

/// <summary>The same layer (768 → 2048) with quantised weights and quantised activations (llama.cpp's
/// scheme: Q8_0 blocks for Q8_0/Q4_0, Q8_K super-blocks for the K-quants) on the widest path: decode
/// (1 token, weights cycled from memory) and prefill (256 tokens).</summary>
[MemoryDiagnoser]
public class QuantizedMatMulBenchmarks
{
    private const int Rows = 2048, Cols = 768;
    private BenchMatrix _w = null!;
    private CpuKernels _k = null!;
    private float[] _x = null!, _y = null!;

    [Params(TensorType.Q8_0, TensorType.Q4_0, TensorType.Q4_K, TensorType.Q5_K, TensorType.Q6_K)]
    public TensorType Type { get; set; }

    [Params(1, 256)]
    public int Tokens { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _w = new BenchMatrix(Rows, Cols, Type, cycleBytes: Tokens == 1 ? 512L << 20 : 0);
        _k = new CpuKernels(Threads, new CpuKernelOptions { QuantizeQ8Activations = true });
        _x = new float[Tokens * Cols];
        _y = new float[Tokens * Rows];
        var rng = new Random(2);
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
