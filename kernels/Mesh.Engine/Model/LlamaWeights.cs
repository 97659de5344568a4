using Mesh.Kernels;

namespace Mesh.Engine.Model;

/// <summary>One decoder layer's weights. Matrices stay in the file's memory map in their stored
/// type; the small norm and bias vectors are copied to F32 at load.</summary>
public sealed class LayerWeights
{
    public required float[] AttnNorm { get; init; }   // [dim]
    public required WeightMatrix Wq { get; init; }    // [qDim, dim]
    public required WeightMatrix Wk { get; init; }    // [kvDim, dim]
    public required WeightMatrix Wv { get; init; }    // [kvDim, dim]
    public required WeightMatrix Wo { get; init; }    // [dim, qDim]
    public float[]? Bq { get; init; }                 // [qDim]  (Qwen2)
    public float[]? Bk { get; init; }                 // [kvDim] (Qwen2)
    public float[]? Bv { get; init; }                 // [kvDim] (Qwen2)
    public required float[] FfnNorm { get; init; }    // [dim]
    public required WeightMatrix Gate { get; init; }  // [ffn, dim]   (w1)
    public required WeightMatrix Up { get; init; }    // [ffn, dim]   (w3)
    public required WeightMatrix Down { get; init; }  // [dim, ffn]   (w2)
}

/// <summary>All weights of a Llama-shaped decoder, read-only, shared by every sequence.
/// Q/K rows are in the order <see cref="ModelConfig.RopeStyle"/> expects.</summary>
public sealed class LlamaWeights
{
    public required WeightMatrix TokenEmbedding { get; init; } // [vocab, dim]
    public required LayerWeights[] Layers { get; init; }
    public required float[] OutputNorm { get; init; }          // [dim]
    /// <summary>[vocab, dim]; the token embedding itself when the model ties them.</summary>
    public required WeightMatrix Output { get; init; }
    /// <summary>Llama 3 RoPE frequency divisors, [headDim/2]; null when the model does not scale RoPE.
    /// GGUF stores them as <c>rope_freqs.weight</c>; for Hugging Face they are computed from config.json.</summary>
    public float[]? RopeFreqFactors { get; init; }
}
