using System.Numerics.Tensors;

namespace Mesh.Kernels.Cpu;

/// <summary>The CPU backend: hand-written AVX-512 / AVX2 / scalar kernels for the matrix products and
/// attention (the path is chosen once, at construction), System.Numerics.Tensors for the element-wise
/// ops, and the matrix products split by weight panels across one persistent <see cref="WorkerPool"/>.
/// Single-threaded owner: the engine loop.</summary>
public sealed unsafe class CpuKernels : IKernels, IDisposable
{
    private readonly WorkerPool _pool;
    private readonly MatMulJob _matMul;
    private readonly ActivationQuantizer _quantizer = new();
    private readonly Q8MatMulWork _q8;
    private readonly Q8KQuantizer _superBlocks = new();
    private readonly KQuantMatMulWork _kQuant;
    private readonly Q4MatMulWork _q4;
    private readonly bool _quantizeQ8;

    /// <param name="threads">Compute threads, the caller's included.</param>
    /// <param name="path">Force a kernel path (tests, benchmarks); null picks the widest this CPU runs.</param>
    public CpuKernels(int threads, SimdPath? path = null) : this(threads, new CpuKernelOptions { Path = path }) { }

    public CpuKernels(int threads, CpuKernelOptions options)
    {
        Path = options.Path ?? SimdPaths.Best;
        if (!SimdPaths.IsSupported(Path)) throw new PlatformNotSupportedException($"this CPU cannot run the {Path} kernels");
        _pool = new WorkerPool(threads);
        _matMul = Path switch
        {
            SimdPath.Avx512 => new MatMulWork<DotTiles512>(),
            SimdPath.Avx2 => new MatMulWork<DotTiles256>(),
            _ => new MatMulWork<DotTilesScalar>(),
        };
        _quantizeQ8 = options.QuantizeQ8Activations;
        Q8 = Path == SimdPath.Scalar ? Q8Kernel.Scalar
            : options.UseVnni && System.Runtime.Intrinsics.X86.AvxVnni.IsSupported ? Q8Kernel.Vnni
            : Q8Kernel.Avx2;
        _q8 = new Q8MatMulWork(Q8);
        _q4 = new Q4MatMulWork(Q8);
        _kQuant = new KQuantMatMulWork(Q8);
    }

    /// <summary>The integer kernel family quantised products run (VNNI: the batch tiles with tokens in
    /// lanes; AVX2: maddubs tiles; scalar).</summary>
    internal Q8Kernel Q8 { get; }

    public int Threads => _pool.Threads;

    /// <summary>The kernel path in use.</summary>
    public SimdPath Path { get; }

    public void For(IParallelWork work, int count, int grain) => _pool.Run(work, count, grain);

    public void MatMul(in WeightMatrix w, ReadOnlySpan<float> x, Span<float> y, int n)
    {
        if (x.Length < n * w.Cols || y.Length < n * w.Rows)
            throw new ArgumentException($"matmul [{n},{w.Cols}]·[{w.Rows},{w.Cols}]ᵀ given x {x.Length} and y {y.Length} floats");
        if (!TensorTypes.IsSupported(w.Type)) throw new NotSupportedException($"the CPU backend cannot run tensor type {w.Type}");
        if (n <= 0) return;
        fixed (float* px = x)
        fixed (float* py = y)
        {
            if (_quantizeQ8 && w.Type != TensorType.F32)
            {
                switch (w.Type)
                {
                    case TensorType.Q8_0:
                        _quantizer.Quantize(_pool, px, n, w.Cols);
                        _q8.Set(w, _quantizer, py, n);
                        _pool.Run(_q8, Q8MatMulWork.Panels(w.Rows), grain: 1);
                        return;
                    case TensorType.Q4_0:
                        _quantizer.Quantize(_pool, px, n, w.Cols, pack: _q4.Batches(n));
                        _q4.Set(w, _quantizer, py, n);
                        _pool.Run(_q4, Q4MatMulWork.Panels(w.Rows), grain: 1);
                        return;
                    case TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K:
                        _superBlocks.Quantize(_pool, px, n, w.Cols, pack: _kQuant.Batches(n));
                        _kQuant.Set(w, _superBlocks, py, n);
                        _pool.Run(_kQuant, KQuantMatMulWork.Panels(w.Rows), grain: 1);
                        return;
                }
            }
            _matMul.Set(w, px, py, n);
            _pool.Run(_matMul, MatMulJob.Panels(w.Rows), grain: 2);
        }
    }

    public void ReadRow(in WeightMatrix w, int row, Span<float> dst)
    {
        if ((uint)row >= (uint)w.Rows || dst.Length < w.Cols)
            throw new ArgumentException($"row {row} of a [{w.Rows},{w.Cols}] matrix into {dst.Length} floats");
        fixed (float* p = dst) RowConverter.ToFloat(w, row, p);
    }

    public void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int n, float eps)
    {
        int dim = weight.Length;
        for (int t = 0; t < n; t++)
        {
            var xt = x.Slice(t * dim, dim);
            var yt = y.Slice(t * dim, dim);
            float scale = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xt) / dim + eps);
            TensorPrimitives.Multiply(xt, scale, yt);
            TensorPrimitives.Multiply(yt, weight, yt);
        }
    }

    public void SiluMul(Span<float> gate, ReadOnlySpan<float> up)
    {
        Span<float> sig = stackalloc float[256];
        for (int i = 0; i < gate.Length; i += 256)
        {
            int len = Math.Min(256, gate.Length - i);
            var g = gate.Slice(i, len);
            TensorPrimitives.Sigmoid(g, sig[..len]);
            TensorPrimitives.Multiply(g, sig[..len], g);
            TensorPrimitives.Multiply(g, up.Slice(i, len), g);
        }
    }

    public void Add(Span<float> x, ReadOnlySpan<float> y) => TensorPrimitives.Add(x, y, x);

    public void Rope(Span<float> x, int heads, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, bool neox)
    {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++)
        {
            var v = x.Slice(h * headDim, headDim);
            if (neox)
            {
                for (int i = 0; i < half; i++)
                {
                    float x0 = v[i], x1 = v[i + half];
                    v[i] = x0 * cos[i] - x1 * sin[i];
                    v[i + half] = x0 * sin[i] + x1 * cos[i];
                }
            }
            else
            {
                for (int i = 0; i < half; i++)
                {
                    float x0 = v[2 * i], x1 = v[2 * i + 1];
                    v[2 * i] = x0 * cos[i] - x1 * sin[i];
                    v[2 * i + 1] = x0 * sin[i] + x1 * cos[i];
                }
            }
        }
    }

    public void Attention(ReadOnlySpan<float> q, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int heads, int kvHeads, int headDim, int headBegin, int headEnd)
    {
        switch (Path)
        {
            case SimdPath.Avx512:
                AttentionKernel<DotTiles512>.Run(q, kv, blockTable, length, output, scores, heads, kvHeads, headDim, headBegin, headEnd);
                break;
            case SimdPath.Avx2:
                AttentionKernel<DotTiles256>.Run(q, kv, blockTable, length, output, scores, heads, kvHeads, headDim, headBegin, headEnd);
                break;
            default:
                AttentionKernel<DotTilesScalar>.Run(q, kv, blockTable, length, output, scores, heads, kvHeads, headDim, headBegin, headEnd);
                break;
        }
    }

    public void Dispose()
    {
        _pool.Dispose();
        _quantizer.Free();
        _superBlocks.Free();
    }
}
