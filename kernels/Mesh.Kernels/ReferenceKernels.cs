namespace Mesh.Kernels;

/// <summary>Plain scalar implementations of every op, written for clarity: the reference the
/// SIMD and GPU backends are checked against. Double accumulation where it is cheap to be exact.</summary>
/// <param name="quantizeActivations">Matrix products with Q8_0, Q4_0, Q4_K, Q5_K or Q6_K weights quantise
/// each token's activations as llama.cpp does (<see cref="ReferenceActivationQuantizer"/>) and take integer
/// dot products (<see cref="ReferenceQuantizedDot"/>), the CPU backend's default mode; false: the exact
/// mode, decoded weights times F32 activations, accumulated in double. F32, F16 and BF16 weights always
/// take F32 activations.</param>
public sealed class ReferenceKernels(bool quantizeActivations = true) : IKernels
{
    private float[] _row = [];
    private byte[] _stored = [];  // one row unpacked from a panel layout
    private sbyte[] _q = [];     // one token's activation quants: [cols]
    private float[] _d = [];     // their block scales: [cols / block]

    /// <summary>Whether products with quantised weights quantise their activations.</summary>
    public bool QuantizeActivations { get; } = quantizeActivations;

    public void For(IParallelWork work, int count, int grain) => work.Run(0, count);

    public void MatMul(in WeightMatrix w, ReadOnlySpan<float> x, Span<float> y, int n)
    {
        if (QuantizeActivations && ReferenceActivationQuantizer.Quantizes(w.Type))
        {
            MatMulQuantized(w, x, y, n);
            return;
        }
        if (_row.Length < w.Cols) _row = new float[w.Cols];
        var row = _row.AsSpan(0, w.Cols);
        for (int r = 0; r < w.Rows; r++)
        {
            RowDecoder.Decode(StoredRows.FileType(w.Type), StoredRow(w, r), row);
            for (int t = 0; t < n; t++)
            {
                var xt = x.Slice(t * w.Cols, w.Cols);
                double acc = 0;
                for (int c = 0; c < row.Length; c++) acc += (double)row[c] * xt[c];
                y[t * w.Rows + r] = (float)acc;
            }
        }
    }

    /// <summary>y[n, Rows] = x[n, Cols]·Wᵀ with each token of x quantised once, then every row against it.</summary>
    private void MatMulQuantized(in WeightMatrix w, ReadOnlySpan<float> x, Span<float> y, int n)
    {
        if (_q.Length < w.Cols) { _q = new sbyte[w.Cols]; _d = new float[w.Cols / ReferenceActivationQuantizer.Q8_0Block]; }
        var q = _q.AsSpan(0, w.Cols);
        var d = _d.AsSpan(0, w.Cols / ReferenceActivationQuantizer.BlockFor(w.Type));
        for (int t = 0; t < n; t++)
        {
            ReferenceActivationQuantizer.Quantize(w.Type, x.Slice(t * w.Cols, w.Cols), q, d);
            for (int r = 0; r < w.Rows; r++) y[t * w.Rows + r] = ReferenceQuantizedDot.Row(StoredRows.FileType(w.Type), StoredRow(w, r), q, d);
        }
    }

    public void MatMulShared(ReadOnlySpan<float> x, int n, in WeightMatrix a, Span<float> ya, in WeightMatrix b, Span<float> yb,
        in WeightMatrix c, Span<float> yc)
    {
        MatMul(a, x, ya, n);
        MatMul(b, x, yb, n);
        if (c.Rows > 0) MatMul(c, x, yc, n);
    }

    public void ReadRow(in WeightMatrix w, int row, Span<float> dst) => RowDecoder.Decode(StoredRows.FileType(w.Type), StoredRow(w, row), dst[..w.Cols]);

    /// <summary>Row r's bytes in the file's type (a panel-layout row unpacked into a scratch).</summary>
    private ReadOnlySpan<byte> StoredRow(in WeightMatrix w, int r)
    {
        int bytes = StoredRows.FileRowBytes(w);
        if (_stored.Length < bytes) _stored = new byte[bytes];
        return StoredRows.Get(w, r, _stored);
    }

    public void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int n, float eps)
    {
        int dim = weight.Length;
        for (int t = 0; t < n; t++)
        {
            var xt = x.Slice(t * dim, dim);
            double ss = 0;
            foreach (float v in xt) ss += (double)v * v;
            float scale = (float)(1.0 / Math.Sqrt(ss / dim + eps));
            for (int i = 0; i < dim; i++) y[t * dim + i] = xt[i] * scale * weight[i];
        }
    }

    public void SiluMul(Span<float> gate, ReadOnlySpan<float> up)
    {
        for (int i = 0; i < gate.Length; i++)
        {
            float g = gate[i];
            gate[i] = g / (1f + MathF.Exp(-g)) * up[i];
        }
    }

    public void Add(Span<float> x, ReadOnlySpan<float> y)
    {
        for (int i = 0; i < x.Length; i++) x[i] += y[i];
    }

    public void Rope(Span<float> x, int heads, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, bool neox)
    {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++)
        {
            var v = x.Slice(h * headDim, headDim);
            for (int i = 0; i < half; i++)
            {
                int a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
                float x0 = v[a], x1 = v[b];
                v[a] = x0 * cos[i] - x1 * sin[i];
                v[b] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }

    /// <summary>The definition: each token on its own.</summary>
    public void AttentionRun(ReadOnlySpan<float> q, int queries, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int heads, int kvHeads, int headDim, int headBegin, int headEnd)
    {
        int qDim = heads * headDim, stride = scores.Length / queries;
        for (int i = 0; i < queries; i++)
            Attention(q.Slice(i * qDim, qDim), kv, blockTable, length + i, output.Slice(i * qDim, qDim), scores.Slice(i * stride, stride),
                heads, kvHeads, headDim, headBegin, headEnd);
    }

    public unsafe void Attention(ReadOnlySpan<float> q, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int heads, int kvHeads, int headDim, int headBegin, int headEnd)
    {
        int group = heads / kvHeads;
        float scale = 1f / MathF.Sqrt(headDim);
        for (int h = headBegin; h < headEnd; h++)
        {
            int kvOff = h / group * headDim;
            var qh = q.Slice(h * headDim, headDim);
            float max = float.NegativeInfinity;
            for (int p = 0; p < length; p++)
            {
                int block = blockTable[p / kv.BlockSize];
                long row = (long)(p % kv.BlockSize) * kv.KvDim + kvOff;
                double dot = 0;
                for (int i = 0; i < headDim; i++) dot += (double)qh[i] * Element(kv, block, value: false, row + i);
                scores[p] = (float)dot * scale;
                max = MathF.Max(max, scores[p]);
            }
            double sum = 0;
            for (int p = 0; p < length; p++) { scores[p] = MathF.Exp(scores[p] - max); sum += scores[p]; }
            var oh = output.Slice(h * headDim, headDim);
            oh.Clear();
            for (int p = 0; p < length; p++)
            {
                int block = blockTable[p / kv.BlockSize];
                long row = (long)(p % kv.BlockSize) * kv.KvDim + kvOff;
                float wgt = (float)(scores[p] / sum);
                for (int i = 0; i < headDim; i++) oh[i] += wgt * Element(kv, block, value: true, row + i);
            }
        }

        // one stored K or V element as F32 (an F16 element widens exactly)
        static float Element(in PagedKvView kv, int block, bool value, long index) => kv.Type == KvCacheType.F16
            ? (float)(value ? kv.VHalf(block) : kv.KHalf(block))[index]
            : (value ? kv.V(block) : kv.K(block))[index];
    }
}
