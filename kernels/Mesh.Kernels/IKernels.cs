namespace Mesh.Kernels;

/// <summary>The op contract a compute backend implements: the reference (scalar, here), the CPU
/// SIMD backend and later the GPU backend. Every op works on caller-owned buffers and allocates
/// nothing; shapes are given beside each parameter.</summary>
public interface IKernels
{
    /// <summary>Runs items [0, count) of <paramref name="work"/>, in parallel where the backend can;
    /// chunks are at least <paramref name="grain"/> items.</summary>
    void For(IParallelWork work, int count, int grain);

    /// <summary>y[n, w.Rows] = x[n, w.Cols] · wᵀ — a linear layer over a batch of n rows.</summary>
    void MatMul(in WeightMatrix w, ReadOnlySpan<float> x, Span<float> y, int n);

    /// <summary>Products of one input with up to three matrices (Q/K/V, gate/up): ya[n, a.Rows] = x·aᵀ,
    /// yb = x·bᵀ and, unless <paramref name="c"/> is default (no rows), yc = x·cᵀ; x[n, a.Cols]. The same values
    /// as separate <see cref="MatMul"/> calls; a backend may run them as one parallel pass over one
    /// quantisation of x.</summary>
    void MatMulShared(ReadOnlySpan<float> x, int n, in WeightMatrix a, Span<float> ya, in WeightMatrix b, Span<float> yb,
        in WeightMatrix c, Span<float> yc);

    /// <summary>Row <paramref name="row"/> of <paramref name="w"/> converted to F32: dst[w.Cols].</summary>
    void ReadRow(in WeightMatrix w, int row, Span<float> dst);

    /// <summary>y[n, dim] = x / rms(x) · weight per row; weight[dim].</summary>
    void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int n, float eps);

    /// <summary>gate[i] = silu(gate[i]) · up[i] over the whole span.</summary>
    void SiluMul(Span<float> gate, ReadOnlySpan<float> up);

    /// <summary>x[i] += y[i].</summary>
    void Add(Span<float> x, ReadOnlySpan<float> y);

    /// <summary>Rotary embedding of one token in place: x[heads, headDim] with cos/sin[headDim/2]
    /// for its position. <paramref name="neox"/> pairs (i, i+headDim/2); otherwise (2i, 2i+1).</summary>
    void Rope(Span<float> x, int heads, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, bool neox);

    /// <summary>Causal attention for one token over positions [0, length) of its sequence's paged KV,
    /// for query heads [headBegin, headEnd): q[heads, headDim] → output[heads, headDim] (only those
    /// heads' rows are written); blockTable lists the pool blocks of the sequence; scores[length] is
    /// scratch. GQA: head h reads KV head h / (heads / kvHeads).</summary>
    void Attention(ReadOnlySpan<float> q, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int heads, int kvHeads, int headDim, int headBegin, int headEnd);

    /// <summary><see cref="Attention"/> for <paramref name="queries"/> consecutive tokens of one sequence (a prompt's):
    /// q and output hold them one after another ([queries, heads, headDim]); token i attends positions
    /// [0, length + i); scores is scratch of queries × (length + queries − 1) floats or more, split evenly.
    /// Each token's output equals <see cref="Attention"/>'s for it alone.</summary>
    void AttentionRun(ReadOnlySpan<float> q, int queries, in PagedKvView kv, ReadOnlySpan<int> blockTable, int length,
        Span<float> output, Span<float> scores, int heads, int kvHeads, int headDim, int headBegin, int headEnd);
}
