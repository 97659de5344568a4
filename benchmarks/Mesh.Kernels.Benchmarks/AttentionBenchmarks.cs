using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Mesh.Kernels;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Benchmarks;

/// <summary>Attention of one token over 512 cached positions (12 heads of 64, paged in blocks of 16),
/// per kernel path.</summary>
public unsafe class AttentionBenchmarks
{
    private const int Heads = 12, HeadDim = 64, BlockSize = 16, Length = 512;
    private float* _pool;
    private PagedKvView _kv;
    private int[] _table = null!;
    private float[] _q = null!, _out = null!, _scores = null!;
    private CpuKernels _k = null!;

    [Params(SimdPath.Avx512, SimdPath.Avx2, SimdPath.Scalar)]
    public SimdPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (!SimdPaths.IsSupported(Path)) throw new PlatformNotSupportedException($"this CPU cannot run {Path}");
        int blocks = Length / BlockSize, kvDim = Heads * HeadDim;
        long floats = (long)blocks * 2 * BlockSize * kvDim;
        _pool = (float*)NativeMemory.AlignedAlloc((nuint)(floats * 4), 64);
        var rng = new Random(3);
        for (long i = 0; i < floats; i++) _pool[i] = (float)(rng.NextDouble() * 2 - 1);
        _kv = new PagedKvView(_pool, BlockSize, kvDim, layers: 1, layer: 0);
        _table = Enumerable.Range(0, blocks).Reverse().ToArray();
        _q = Enumerable.Range(0, Heads * HeadDim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        _out = new float[Heads * HeadDim];
        _scores = new float[Length];
        _k = new CpuKernels(1, Path);
    }

    [Benchmark]
    public void Attention() => _k.Attention(_q, _kv, _table, Length, _out, _scores, Heads, Heads, HeadDim, 0, Heads);

    [GlobalCleanup]
    public void Cleanup()
    {
        _k.Dispose();
        NativeMemory.AlignedFree(_pool);
    }
}
