using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Mesh.Kernels.Cpu;

/// <summary>The CPU backend: vectorised ops (System.Numerics.Tensors picks AVX-512/AVX2/scalar at
/// startup) with the matrix products split across one persistent <see cref="WorkerPool"/>.
/// Single-threaded owner: the engine loop.</summary>
public sealed unsafe class CpuKernels : IKernels, IDisposable
{
    private readonly WorkerPool _pool;
    private readonly MatMulWork _matMul = new();

    public CpuKernels(int threads) => _pool = new WorkerPool(threads);

    public int Threads => _pool.Threads;

    public void For(IParallelWork work, int count, int grain) => _pool.Run(work, count, grain);

    public void MatMul(in WeightMatrix w, ReadOnlySpan<float> x, Span<float> y, int n)
    {
        if (x.Length < n * w.Cols || y.Length < n * w.Rows)
            throw new ArgumentException($"matmul [{n},{w.Cols}]·[{w.Rows},{w.Cols}]ᵀ given x {x.Length} and y {y.Length} floats");
        fixed (float* px = x)
        fixed (float* py = y)
        {
            _matMul.Set(w, px, py, n);
            _pool.Run(_matMul, w.Rows, grain: 16);
        }
    }

    public void ReadRow(in WeightMatrix w, int row, Span<float> dst) => RowConverter.ToFloat(w, row, dst[..w.Cols]);

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
        int group = heads / kvHeads;
        float scale = 1f / MathF.Sqrt(headDim);
        var s = scores[..length];
        for (int h = headBegin; h < headEnd; h++)
        {
            int kvOff = h / group * headDim;
            var qh = q.Slice(h * headDim, headDim);
            for (int p = 0; p < length; p++)
            {
                float* k = kv.K(blockTable[p / kv.BlockSize]) + (long)(p % kv.BlockSize) * kv.KvDim + kvOff;
                s[p] = TensorPrimitives.Dot(qh, new ReadOnlySpan<float>(k, headDim)) * scale;
            }
            TensorPrimitives.SoftMax(s, s);
            var oh = output.Slice(h * headDim, headDim);
            oh.Clear();
            for (int p = 0; p < length; p++)
            {
                float* v = kv.V(blockTable[p / kv.BlockSize]) + (long)(p % kv.BlockSize) * kv.KvDim + kvOff;
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(v, headDim), s[p], oh, oh);
            }
        }
    }

    public void Dispose() => _pool.Dispose();

    /// <summary>y[t, r] = row r · x[t] for a chunk of rows; each row is converted once and reused
    /// for every token of the batch.</summary>
    private sealed class MatMulWork : IParallelWork
    {
        private WeightMatrix _w;
        private float* _x; // [n, cols]
        private float* _y; // [n, rows]
        private int _n;

        public void Set(in WeightMatrix w, float* x, float* y, int n) { _w = w; _x = x; _y = y; _n = n; }

        public void Run(int begin, int end)
        {
            int cols = _w.Cols, rows = _w.Rows;
            Span<float> scratch = _w.Type == TensorType.F32 ? default : RowConverter.Scratch(cols);
            for (int r = begin; r < end; r++)
            {
                ReadOnlySpan<float> row = _w.Type == TensorType.F32
                    ? new ReadOnlySpan<float>(_w.Data + (long)r * _w.RowBytes, cols)
                    : RowConverter.ToFloat(_w, r, scratch);
                for (int t = 0; t < _n; t++)
                    _y[(long)t * rows + r] = TensorPrimitives.Dot(row, new ReadOnlySpan<float>(_x + (long)t * cols, cols));
            }
        }
    }
}
