using BenchmarkDotNet.Attributes;
using Mesh.Kernels;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Benchmarks;

/// <summary>One linear layer of the bench-134m model (768 → 2048, the feed-forward gate) on each
/// kernel path and weight type: decode (1 token, weights from memory) and prefill (256 tokens).</summary>
[MemoryDiagnoser]
public class MatMulBenchmarks
{
    private const int Rows = 2048, Cols = 768;
    private BenchMatrix _w = null!;
    private CpuKernels _k = null!;
    private float[] _x = null!, _y = null!;

    [Params(TensorType.F32, TensorType.Q8_0)]
    public TensorType Type { get; set; }

    [Params(SimdPath.Avx512, SimdPath.Avx2)]
    public SimdPath Path { get; set; }

    [Params(1, 256)]
    public int Tokens { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (!SimdPaths.IsSupported(Path)) throw new PlatformNotSupportedException($"this CPU cannot run {Path}");
        _w = new BenchMatrix(Rows, Cols, Type, cycleBytes: Tokens == 1 ? 512L << 20 : 0);
        _k = new CpuKernels(Threads, Path);
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
