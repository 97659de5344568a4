using System.Numerics.Tensors;

namespace Mesh.Kernels.Cpu;

/// <summary>The CPU backend: hand-written AVX-512 / AVX2 / scalar kernels for the matrix products and
/// attention (the path is chosen once, at construction), System.Numerics.Tensors for the element-wise
/// ops, and the matrix products split by weight panels across one persistent <see cref="WorkerPool"/>.
/// Single-threaded owner: the engine loop.</summary>
public sealed unsafe class CpuKernels : IKernels, IDisposable
{
    /// <summary>Most products one run takes (Q/K/V).</summary>
    private const int MaxShared = 3;

    private readonly WorkerPool _pool;
    private readonly ActivationQuantizer _quantizer = new();
    private readonly Q8KQuantizer _superBlocks = new();
    // one product's work per slot, so up to MaxShared products of one input run as one pass
    private readonly MatMulJob[] _matMul = new MatMulJob[MaxShared];
    private readonly Q8MatMulWork[] _q8 = new Q8MatMulWork[MaxShared];
    private readonly KQuantMatMulWork[] _kQuant = new KQuantMatMulWork[MaxShared];
    private readonly Q4MatMulWork[] _q4 = new Q4MatMulWork[MaxShared];
    private readonly SharedWork _shared = new();
    private readonly bool _quantizeQ8;

    /// <param name="threads">Compute threads, the caller's included.</param>
    /// <param name="path">Force a kernel path (tests, benchmarks); null picks the widest this CPU runs.</param>
    public CpuKernels(int threads, SimdPath? path = null) : this(threads, new CpuKernelOptions { Path = path }) { }

    public CpuKernels(int threads, CpuKernelOptions options)
    {
        Path = options.Path ?? SimdPaths.Best;
        if (!SimdPaths.IsSupported(Path)) throw new PlatformNotSupportedException($"this CPU cannot run the {Path} kernels");
        _pool = new WorkerPool(threads);
        _quantizeQ8 = options.QuantizeQ8Activations;
        Q8 = Path == SimdPath.Scalar ? Q8Kernel.Scalar
            : options.UseVnni && System.Runtime.Intrinsics.X86.AvxVnni.IsSupported ? Q8Kernel.Vnni
            : Q8Kernel.Avx2;
        for (int i = 0; i < MaxShared; i++)
        {
            _matMul[i] = Path switch
            {
                SimdPath.Avx512 => new MatMulWork<DotTiles512>(),
                SimdPath.Avx2 => new MatMulWork<DotTiles256>(),
                _ => new MatMulWork<DotTilesScalar>(),
            };
            _q8[i] = new Q8MatMulWork(Q8);
            _q4[i] = new Q4MatMulWork(Q8);
            _kQuant[i] = new KQuantMatMulWork(Q8, wide: Path == SimdPath.Avx512 && Q8 != Q8Kernel.Scalar);
        }
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
        Check(w, x, y, n);
        if (n <= 0) return;
        var family = FamilyOf(w);
        fixed (float* px = x)
        fixed (float* py = y)
        {
            Quantize(family, w, px, n);
            var (work, panels, grain) = Prepare(0, family, w, py, px, n);
            _pool.Run(work, panels, grain);
        }
    }

    public void MatMulShared(ReadOnlySpan<float> x, int n, in WeightMatrix a, Span<float> ya, in WeightMatrix b, Span<float> yb,
        in WeightMatrix c, Span<float> yc)
    {
        bool three = c.Rows > 0;
        var family = FamilyOf(a);
        if (b.Cols != a.Cols || FamilyOf(b) != family || three && (c.Cols != a.Cols || FamilyOf(c) != family))
        {
            // products that cannot share one pass (different inputs sizes or activation formats): one by one
            MatMul(a, x, ya, n);
            MatMul(b, x, yb, n);
            if (three) MatMul(c, x, yc, n);
            return;
        }
        Check(a, x, ya, n);
        Check(b, x, yb, n);
        if (three) Check(c, x, yc, n);
        if (n <= 0) return;
        fixed (float* px = x)
        fixed (float* pa = ya)
        fixed (float* pb = yb)
        fixed (float* pc = yc)
        {
            Quantize(family, a, px, n);
            var (wa, na, grain) = Prepare(0, family, a, pa, px, n);
            var (wb, nb, _) = Prepare(1, family, b, pb, px, n);
            _shared.Set(wa, na, wb, nb);
            if (three)
            {
                var (wc, nc, _) = Prepare(2, family, c, pc, px, n);
                _shared.Add(wc, nc);
            }
            _pool.Run(_shared, _shared.Count, grain);
        }
    }

    private static void Check(in WeightMatrix w, ReadOnlySpan<float> x, Span<float> y, int n)
    {
        if (x.Length < n * w.Cols || y.Length < n * w.Rows)
            throw new ArgumentException($"matmul [{n},{w.Cols}]·[{w.Rows},{w.Cols}]ᵀ given x {x.Length} and y {y.Length} floats");
        if (!TensorTypes.IsSupported(w.Type)) throw new NotSupportedException($"the CPU backend cannot run tensor type {w.Type}");
    }

    /// <summary>How a product with <paramref name="w"/> runs: F32 tiles (F32, F16, BF16, and every type in the
    /// exact mode), or integer kernels over Q8_0 blocks (Q8_0, Q4_0) or Q8_K super-blocks (K-quants).</summary>
    private Family FamilyOf(in WeightMatrix w) => !_quantizeQ8 ? Family.Float : w.Type switch
    {
        TensorType.Q8_0 or TensorType.Q8_0x8 => Family.Q8,
        TensorType.Q4_0 => Family.Q4,
        TensorType.Q4_K or TensorType.Q4_Kx8 or TensorType.Q5_K or TensorType.Q6_K or TensorType.Q6_Kx8 => Family.KQuant,
        _ => Family.Float,
    };

    /// <summary>Quantises x once for every product of the family (nothing for F32 tiles).</summary>
    private void Quantize(Family family, in WeightMatrix w, float* px, int n)
    {
        switch (family)
        {
            case Family.Q8: _quantizer.Quantize(_pool, px, n, w.Cols); break;
            case Family.Q4: _quantizer.Quantize(_pool, px, n, w.Cols, pack: _q4[0].Batches(n)); break;
            case Family.KQuant: _superBlocks.Quantize(_pool, px, n, w.Cols, pack: _kQuant[0].Batches(n)); break;
        }
    }

    /// <summary>Slot <paramref name="slot"/>'s work for y = x·wᵀ: the work, its item count (weight panels)
    /// and the smallest chunk worth a thread.</summary>
    private (IParallelWork Work, int Panels, int Grain) Prepare(int slot, Family family, in WeightMatrix w, float* py, float* px, int n)
    {
        switch (family)
        {
            case Family.Q8:
                _q8[slot].Set(w, _quantizer, py, n);
                return (_q8[slot], _q8[slot].Items, 1);
            case Family.Q4:
                _q4[slot].Set(w, _quantizer, py, n);
                return (_q4[slot], Q4MatMulWork.Panels(w.Rows), 1);
            case Family.KQuant:
                _kQuant[slot].Set(w, _superBlocks, py, n);
                return (_kQuant[slot], _kQuant[slot].Items, 1);
            default:
                _matMul[slot].Set(w, px, py, n);
                return (_matMul[slot], _matMul[slot].Items, 2);
        }
    }

    private enum Family { Float, Q8, Q4, KQuant }

    /// <summary>Up to <see cref="MaxShared"/> products' panels as one item range, in order: items
    /// [0, first) are the first product's panels, and so on.</summary>
    private sealed class SharedWork : IParallelWork
    {
        private readonly IParallelWork[] _works = new IParallelWork[MaxShared];
        private readonly int[] _ends = new int[MaxShared];
        private int _parts;

        public int Count => _parts == 0 ? 0 : _ends[_parts - 1];

        public void Set(IParallelWork a, int aItems, IParallelWork b, int bItems)
        {
            _parts = 0;
            Add(a, aItems);
            Add(b, bItems);
        }

        public void Add(IParallelWork work, int items)
        {
            _works[_parts] = work;
            _ends[_parts] = Count + items;
            _parts++;
        }

        public void Run(int begin, int end)
        {
            int start = 0;
            for (int i = 0; i < _parts && begin < end; i++)
            {
                int partEnd = _ends[i];
                if (begin < partEnd)
                {
                    int stop = Math.Min(end, partEnd);
                    _works[i].Run(begin - start, stop - start);
                    begin = stop;
                }
                start = partEnd;
            }
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

    public void AttentionRun(ReadOnlySpan<float> q, int queries, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int heads, int kvHeads, int headDim, int headBegin, int headEnd)
    {
        switch (Path)
        {
            case SimdPath.Avx512:
                AttentionRunKernel<DotTiles512>.Run(q, queries, kv, blockTable, length, output, scores, heads, kvHeads, headDim, headBegin, headEnd);
                break;
            case SimdPath.Avx2:
                AttentionRunKernel<DotTiles256>.Run(q, queries, kv, blockTable, length, output, scores, heads, kvHeads, headDim, headBegin, headEnd);
                break;
            default:
                AttentionRunKernel<DotTilesScalar>.Run(q, queries, kv, blockTable, length, output, scores, heads, kvHeads, headDim, headBegin, headEnd);
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
