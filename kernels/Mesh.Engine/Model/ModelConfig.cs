namespace Mesh.Engine.Model;

/// <summary>How a rotary embedding pairs the dimensions of a head.</summary>
public enum RopeStyle
{
    /// <summary>Adjacent pairs (x[2i], x[2i+1]): GGUF <c>llama</c> tensors (llama.cpp's converter
    /// permutes Hugging Face's Q/K rows into this order).</summary>
    Interleaved,
    /// <summary>Rotate-half pairs (x[i], x[i + headDim/2]): Hugging Face checkpoints and GGUF <c>qwen2</c>.</summary>
    NeoX,
}

/// <summary>Llama 3's frequency-dependent RoPE scaling (<c>rope_type = llama3</c>).</summary>
public sealed record Llama3RopeScaling(float Factor, float LowFreqFactor, float HighFreqFactor, int OriginalContextLength);

/// <summary>Hyper-parameters of a Llama-shaped decoder. Everything the forward pass needs to size
/// its buffers and nothing about where the weights live.</summary>
public sealed record ModelConfig
{
    /// <summary>Family name as the file states it (<c>llama</c>, <c>mistral</c>, <c>qwen2</c>, ...).</summary>
    public required string Architecture { get; init; }
    public required int Dim { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    /// <summary>Hidden size of the SwiGLU feed-forward block.</summary>
    public required int FfnDim { get; init; }
    public required int VocabSize { get; init; }
    /// <summary>Longest sequence the model was trained for.</summary>
    public required int ContextLength { get; init; }
    public float RmsEps { get; init; } = 1e-5f;
    public float RopeTheta { get; init; } = 10000f;
    public RopeStyle RopeStyle { get; init; } = RopeStyle.Interleaved;
    public Llama3RopeScaling? RopeScaling { get; init; }
    /// <summary>Q, K and V projections carry a bias (Qwen2).</summary>
    public bool QkvBias { get; init; }
    /// <summary>The output projection reuses the token embedding.</summary>
    public bool TiedEmbeddings { get; init; }

    public int HeadDim => Dim / Heads;
    public int KvDim => KvHeads * HeadDim;
    public int QDim => Heads * HeadDim;

    /// <summary>Throws a <see cref="ModelFormatException"/> when the shape cannot be run.</summary>
    public void Validate()
    {
        Check(Dim > 0 && Layers > 0 && Heads > 0 && KvHeads > 0 && FfnDim > 0 && VocabSize > 0, "dimensions must be positive");
        Check(Dim % Heads == 0, $"dim {Dim} is not a multiple of heads {Heads}");
        Check(Heads % KvHeads == 0, $"heads {Heads} is not a multiple of kv heads {KvHeads}");
        Check(HeadDim % 2 == 0, $"head dim {HeadDim} must be even for RoPE");
        Check(ContextLength > 0, "context length must be positive");
    }

    private static void Check(bool ok, string message)
    {
        if (!ok) throw new ModelFormatException("invalid model shape: " + message);
    }
}
