using System.Numerics.Tensors;
using Mesh.Engine.KvCache;
using Mesh.Kernels;

namespace Mesh.Engine.Model;

/// <summary>The forward pass of a Llama-shaped decoder over a flattened batch of tokens from many
/// sequences. Reads weights, writes each token's K/V into the paged pool at its position, and
/// leaves logits for the requested rows in <see cref="RunState.Logits"/>. Allocates nothing.</summary>
public sealed class Transformer
{
    private readonly ModelConfig _c;
    private LlamaWeights _w;
    /// <summary>The same weights in a faster layout, still being prepared; taken between passes once done.</summary>
    private Task<LlamaWeights>? _panelWeights;
    private readonly IKernels _k;
    private readonly RunState _s;
    /// <summary>RoPE inverse frequencies, [headDim/2], Llama 3 scaling folded in.</summary>
    private readonly double[] _invFreq;
    private readonly AttentionWork _attention;

    public ModelConfig Config => _c;
    public RunState State => _s;

    /// <param name="panelWeights">The same weights being rearranged (<see cref="LoadedModel.PanelWeights"/>); used from the
    /// first pass after they are ready.</param>
    public Transformer(ModelConfig config, LlamaWeights weights, IKernels kernels, int maxTokens, int maxOutputs, int maxContext,
        Task<LlamaWeights>? panelWeights = null)
    {
        _c = config;
        _w = weights;
        _panelWeights = panelWeights;
        _k = kernels;
        _s = new RunState(config, maxTokens, maxOutputs);
        int half = config.HeadDim / 2;
        _invFreq = new double[half];
        for (int i = 0; i < half; i++)
        {
            _invFreq[i] = Math.Pow(config.RopeTheta, -2.0 * i / config.HeadDim);
            if (weights.RopeFreqFactors is { } f) _invFreq[i] /= f[i];
        }
        _attention = new AttentionWork(config, _s, maxTokens, maxContext);
    }

    /// <summary>Runs the batch. Logits of row <c>b.OutputRows[o]</c> land in Logits[o·vocab ..].</summary>
    public void Forward(ForwardBatch b, KvBlockPool pool)
    {
        if (_panelWeights is { IsCompleted: true } ready)
        {
            if (ready.IsCompletedSuccessfully) _w = ready.Result;
            _panelWeights = null;
        }
        int n = b.TokenCount, dim = _c.Dim, qDim = _c.QDim, kvDim = _c.KvDim, ffn = _c.FfnDim, half = _c.HeadDim / 2;
        var s = _s;
        var x = s.X.AsSpan(0, n * dim);
        var xb = s.Xb.AsSpan(0, n * dim);
        var q = s.Q.AsSpan(0, n * qDim);
        var k = s.K.AsSpan(0, n * kvDim);
        var v = s.V.AsSpan(0, n * kvDim);
        var att = s.Att.AsSpan(0, n * qDim);
        var proj = s.Proj.AsSpan(0, n * dim);
        var gate = s.Gate.AsSpan(0, n * ffn);
        var up = s.Up.AsSpan(0, n * ffn);

        // token embeddings and the rotation angles of each position
        for (int t = 0; t < n; t++)
        {
            _k.ReadRow(_w.TokenEmbedding, b.Tokens[t], x.Slice(t * dim, dim));
            for (int i = 0; i < half; i++)
            {
                double angle = b.Positions[t] * _invFreq[i];
                s.Cos[t * half + i] = (float)Math.Cos(angle);
                s.Sin[t * half + i] = (float)Math.Sin(angle);
            }
        }

        for (int l = 0; l < _c.Layers; l++)
        {
            var L = _w.Layers[l];
            // attention: xb = rmsnorm(x); q, k, v = xb·Wqᵀ, xb·Wkᵀ, xb·Wvᵀ (+ bias)
            _k.RmsNorm(x, L.AttnNorm, xb, n, _c.RmsEps);
            _k.MatMulShared(xb, n, L.Wq, q, L.Wk, k, L.Wv, v);
            if (L.Bq is not null) AddBias(q, L.Bq, n);
            if (L.Bk is not null) AddBias(k, L.Bk, n);
            if (L.Bv is not null) AddBias(v, L.Bv, n);

            // RoPE on q and k, then k, v into the paged cache at each token's position
            var kv = pool.LayerView(l);
            bool neox = _c.RopeStyle == RopeStyle.NeoX;
            for (int t = 0; t < n; t++)
            {
                var cos = s.Cos.AsSpan(t * half, half);
                var sin = s.Sin.AsSpan(t * half, half);
                _k.Rope(q.Slice(t * qDim, qDim), _c.Heads, _c.HeadDim, cos, sin, neox);
                _k.Rope(k.Slice(t * kvDim, kvDim), _c.KvHeads, _c.HeadDim, cos, sin, neox);
                StoreKv(kv, b.BlockTables[b.SequenceOf[t]], b.Positions[t], k.Slice(t * kvDim, kvDim), v.Slice(t * kvDim, kvDim));
            }

            // att[t] = softmax(q[t]·Kᵀ/√d)·V over positions 0..pos[t] of the token's sequence
            _attention.Set(_k, b, kv);
            _k.For(_attention, _attention.Items, grain: 1);

            // x += att·Woᵀ
            _k.MatMul(L.Wo, att, proj, n);
            _k.Add(x, proj);

            // feed-forward: x += (silu(xb·Gateᵀ) ⊙ xb·Upᵀ)·Downᵀ with xb = rmsnorm(x)
            _k.RmsNorm(x, L.FfnNorm, xb, n, _c.RmsEps);
            _k.MatMulShared(xb, n, L.Gate, gate, L.Up, up, default, default);
            _k.SiluMul(gate, up);
            _k.MatMul(L.Down, gate, proj, n);
            _k.Add(x, proj);
        }

        // logits only for the rows that sample: rmsnorm(x[row])·Outputᵀ
        int outputs = b.OutputCount;
        if (outputs == 0) return;
        var hidden = s.Hidden.AsSpan(0, outputs * dim);
        for (int o = 0; o < outputs; o++) x.Slice(b.OutputRows[o] * dim, dim).CopyTo(hidden.Slice(o * dim, dim));
        _k.RmsNorm(hidden, _w.OutputNorm, hidden, outputs, _c.RmsEps);
        _k.MatMul(_w.Output, hidden, s.Logits.AsSpan(0, outputs * _c.VocabSize), outputs);
    }

    private static void AddBias(Span<float> rows, float[] bias, int n)
    {
        for (int t = 0; t < n; t++)
        {
            var r = rows.Slice(t * bias.Length, bias.Length);
            for (int i = 0; i < bias.Length; i++) r[i] += bias[i];
        }
    }

    /// <summary>One token's k, v [kvDim] into its slot of the pool, in the pool's element type (F16: rounded
    /// to the nearest half, ties to even).</summary>
    private static unsafe void StoreKv(in PagedKvView kv, int[] blockTable, int position, ReadOnlySpan<float> k, ReadOnlySpan<float> v)
    {
        int block = blockTable[position / kv.BlockSize];
        long slot = (long)(position % kv.BlockSize) * kv.KvDim;
        if (kv.Type == KvCacheType.F16)
        {
            TensorPrimitives.ConvertToHalf(k, new Span<Half>(kv.KHalf(block) + slot, kv.KvDim));
            TensorPrimitives.ConvertToHalf(v, new Span<Half>(kv.VHalf(block) + slot, kv.KvDim));
            return;
        }
        k.CopyTo(new Span<float>(kv.K(block) + slot, kv.KvDim));
        v.CopyTo(new Span<float>(kv.V(block) + slot, kv.KvDim));
    }

    /// <summary>Attention split into (run, group of query heads) items, so both long prompts and a single decode
    /// token keep every thread busy. A run is up to <see cref="RunTokens"/> consecutive tokens of one sequence
    /// (a prompt's): their K and V rows are read once for all of them. A decode token is a run of one.</summary>
    private sealed class AttentionWork(ModelConfig c, RunState s, int maxTokens, int maxContext) : IParallelWork
    {
        public const int RunTokens = 8;
        /// <summary>Query heads per work item: one KV head's group.</summary>
        private readonly int _headsPerItem = c.Heads / c.KvHeads;
        private readonly int[] _runStart = new int[maxTokens];
        private readonly int[] _runLength = new int[maxTokens];
        private int _runs;
        /// <summary>Scores a work item can use: a run's tokens, or a single token's query heads of one KV head
        /// (attended together, each KV row read once for the group).</summary>
        private readonly int _scoreRows = Math.Max(RunTokens, c.Heads / c.KvHeads);
        [ThreadStatic] private static float[]? t_scores;   // [max(RunTokens, heads per KV head), maxContext]
        private IKernels _k = null!;
        private ForwardBatch _b = null!;
        private PagedKvView _kv;

        /// <summary>Work items of the batch last <see cref="Set"/>: runs × KV heads.</summary>
        public int Items => _runs * c.KvHeads;

        public void Set(IKernels k, ForwardBatch b, in PagedKvView kv)
        {
            _k = k; _b = b; _kv = kv; _runs = 0;
            for (int t = 0; t < b.TokenCount; t++)
            {
                int r = _runs - 1;
                if (r >= 0 && _runLength[r] < RunTokens && b.SequenceOf[t] == b.SequenceOf[t - 1] && b.Positions[t] == b.Positions[t - 1] + 1)
                {
                    _runLength[r]++;
                    continue;
                }
                _runStart[_runs] = t;
                _runLength[_runs] = 1;
                _runs++;
            }
        }

        public void Run(int begin, int end)
        {
            if (t_scores is null || t_scores.Length < _scoreRows * maxContext) t_scores = new float[_scoreRows * maxContext];
            int qDim = c.QDim;
            for (int item = begin; item < end; item++)
            {
                int run = item / c.KvHeads, g = item % c.KvHeads;
                int t = _runStart[run], m = _runLength[run];
                _k.AttentionRun(s.Q.AsSpan(t * qDim, m * qDim), m, _kv, _b.BlockTables[_b.SequenceOf[t]], _b.Positions[t] + 1,
                    s.Att.AsSpan(t * qDim, m * qDim), t_scores.AsSpan(0, (m == 1 ? _headsPerItem : m) * maxContext), c.Heads, c.KvHeads, c.HeadDim,
                    g * _headsPerItem, (g + 1) * _headsPerItem);
            }
        }
    }
}
