namespace Mesh.Kernels;

/// <summary>A token's activations quantised the way llama.cpp quantises them before a product with
/// quantised weights, written plainly from the definitions (the scalar reference of the CPU backend's
/// quantisers). Q8_0 and Q4_0 weights take Q8_0 blocks of 32; Q4_K, Q5_K and Q6_K take Q8_K
/// super-blocks of 256. A value stands for d·q with d the scale of its block.</summary>
public static class ReferenceActivationQuantizer
{
    /// <summary>Values per Q8_0 activation block.</summary>
    public const int Q8_0Block = 32;

    /// <summary>Values per Q8_K activation super-block.</summary>
    public const int Q8_KBlock = QuantizedBlocks.SuperBlock;

    /// <summary>Whether products with <paramref name="weights"/> quantise their activations (in the
    /// quantised mode): Q8_0, Q4_0 and the K-quants; F32, F16 and BF16 keep F32 activations.</summary>
    public static bool Quantizes(TensorType weights) =>
        weights is TensorType.Q8_0 or TensorType.Q8_0x8 or TensorType.Q4_0 || TensorTypes.IsKQuant(weights);

    /// <summary>Values per activation block for products with <paramref name="weights"/>.</summary>
    public static int BlockFor(TensorType weights) => weights switch
    {
        TensorType.Q8_0 or TensorType.Q8_0x8 or TensorType.Q4_0 => Q8_0Block,
        _ when TensorTypes.IsKQuant(weights) => Q8_KBlock,
        _ => throw new NotSupportedException($"products with {weights} weights do not quantise their activations"),
    };

    /// <summary>Quantises one token x[cols] for a product with <paramref name="weights"/>: quants q[cols]
    /// and one scale per block, d[cols / <see cref="BlockFor"/>].</summary>
    public static void Quantize(TensorType weights, ReadOnlySpan<float> x, Span<sbyte> q, Span<float> d)
    {
        if (BlockFor(weights) == Q8_0Block) QuantizeQ8_0(x, q, d);
        else QuantizeQ8_K(x, q, d);
    }

    /// <summary>Q8_0: per block of 32, amax = max|x|, q = round-to-even(x·(127/amax)) and
    /// d = amax/127 rounded to an IEEE half (llama.cpp stores the scale as a half; the quants use the
    /// unrounded 127/amax). An all-zero block has d = 0 and q = 0.</summary>
    public static void QuantizeQ8_0(ReadOnlySpan<float> x, Span<sbyte> q, Span<float> d)
    {
        RequireWholeBlocks(x.Length, Q8_0Block);
        for (int b = 0; b < x.Length / Q8_0Block; b++)
        {
            var xb = x.Slice(b * Q8_0Block, Q8_0Block);
            float amax = 0;
            foreach (float v in xb) amax = MathF.Max(amax, MathF.Abs(v));
            d[b] = (float)(Half)(amax / 127f);
            float inverse = amax != 0 ? 127f / amax : 0f;
            for (int j = 0; j < Q8_0Block; j++)
                q[b * Q8_0Block + j] = (sbyte)(int)MathF.Round(xb[j] * inverse, MidpointRounding.ToEven);
        }
    }

    /// <summary>Q8_K: per super-block of 256, max = the first value of largest magnitude (its sign kept),
    /// iscale = −127/max, q = min(127, round-to-even(iscale·x)) and d = 1/iscale, in F32 (so max itself
    /// becomes −127). An all-zero super-block has d = 0 and q = 0.</summary>
    public static void QuantizeQ8_K(ReadOnlySpan<float> x, Span<sbyte> q, Span<float> d)
    {
        RequireWholeBlocks(x.Length, Q8_KBlock);
        for (int b = 0; b < x.Length / Q8_KBlock; b++)
        {
            var xb = x.Slice(b * Q8_KBlock, Q8_KBlock);
            var qb = q.Slice(b * Q8_KBlock, Q8_KBlock);
            float max = 0, amax = 0;
            foreach (float v in xb)
                if (MathF.Abs(v) > amax) { amax = MathF.Abs(v); max = v; }
            if (amax == 0)
            {
                d[b] = 0;
                qb.Clear();
                continue;
            }
            float iscale = -127f / max;
            d[b] = 1f / iscale;
            for (int j = 0; j < Q8_KBlock; j++)
                qb[j] = (sbyte)Math.Min(127, (int)MathF.Round(iscale * xb[j], MidpointRounding.ToEven));
        }
    }

    private static void RequireWholeBlocks(int length, int block)
    {
        if (length % block != 0)
            throw new ArgumentException($"activations of {length} values are not a whole number of blocks of {block}");
    }
}
