namespace Mesh.Engine.Model;

/// <summary>Shape, format and seed of a random Llama model for <see cref="ModelCreator"/>.
/// Start from a preset (<see cref="Preset"/>) and override with <c>with { ... }</c>.</summary>
public sealed record ModelCreateOptions
{
    public int Dim { get; init; }
    public int Layers { get; init; }
    public int Heads { get; init; }
    public int KvHeads { get; init; }
    public int FfnDim { get; init; }
    public int VocabSize { get; init; }
    public int ContextLength { get; init; } = 2048;
    /// <summary><c>gguf</c> (a file) or <c>safetensors</c> (a Hugging Face folder).</summary>
    public string Format { get; init; } = "gguf";
    /// <summary>Matrix type: f32, f16, bf16 or q8_0 (q8_0 only for gguf).</summary>
    public string DType { get; init; } = "f32";
    public ulong Seed { get; init; }
    public bool TiedEmbeddings { get; init; }
    /// <summary>Jinja chat template to store with the tokenizer; none when null.</summary>
    public string? ChatTemplate { get; init; }
    /// <summary>The .gguf file, or the folder for safetensors.</summary>
    public string Out { get; init; } = "";

    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "small", "bench-134m", "bench-336m"];

    /// <summary>A named shape; throws <see cref="ArgumentException"/> listing the names for an unknown one.</summary>
    public static ModelCreateOptions Preset(string name) => name switch
    {
        "tiny" => new() { Dim = 64, Layers = 2, Heads = 4, KvHeads = 2, FfnDim = 172, VocabSize = 512, TiedEmbeddings = true },
        "small" => new() { Dim = 256, Layers = 4, Heads = 8, KvHeads = 4, FfnDim = 688, VocabSize = 4096, TiedEmbeddings = true },
        "bench-134m" => new() { Dim = 768, Layers = 12, Heads = 12, KvHeads = 12, FfnDim = 2048, VocabSize = 32000, TiedEmbeddings = false },
        "bench-336m" => new() { Dim = 1024, Layers = 24, Heads = 16, KvHeads = 4, FfnDim = 2816, VocabSize = 32000, TiedEmbeddings = false },
        _ => throw new ArgumentException($"unknown model preset '{name}' (known: {string.Join(", ", PresetNames)})", nameof(name)),
    };
}
