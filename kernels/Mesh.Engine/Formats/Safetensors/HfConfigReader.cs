using System.Text.Json;
using Mesh.Engine.Model;

namespace Mesh.Engine.Formats.Safetensors;

/// <summary>Reads a Hugging Face <c>config.json</c> of a Llama-shaped model (<c>llama</c>,
/// <c>mistral</c>, <c>qwen2</c>) into a <see cref="ModelConfig"/>. Hugging Face checkpoints keep
/// Q/K rows in rotate-half order, so every one of them runs with <see cref="RopeStyle.NeoX"/>.</summary>
internal static class HfConfigReader
{
    public const string FileName = "config.json";
    private static readonly string[] ModelTypes = ["llama", "mistral", "qwen2"];

    /// <param name="embeddingRows">Rows of <c>model.embed_tokens.weight</c>: the vocabulary size.</param>
    /// <param name="hasLmHead">Whether the checkpoint holds an <c>lm_head.weight</c> that differs from the embedding.</param>
    public static ModelConfig Read(string path, long embeddingRows, bool hasLmHead)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            try
            {
                return Read(path, doc.RootElement, embeddingRows, hasLmHead);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw new ModelFormatException($"{path}: a field has the wrong JSON type ({e.Message})", e);
            }
        }
    }

    private static ModelConfig Read(string path, JsonElement root, long embeddingRows, bool hasLmHead)
    {
        string modelType = Str(root, "model_type") ?? throw new ModelFormatException($"{path}: model_type is missing");
        if (!ModelTypes.Contains(modelType))
            throw new ModelFormatException($"{path}: model_type {modelType} is not supported (supported: {string.Join(", ", ModelTypes)})");
        if (Str(root, "hidden_act") is string act && act != "silu")
            throw new ModelFormatException($"{path}: hidden_act {act} is not supported (only silu)");
        foreach (string flag in new[] { "attention_bias", "mlp_bias" })
            if (root.TryGetProperty(flag, out var b) && b.ValueKind == JsonValueKind.True)
                throw new ModelFormatException($"{path}: {flag} = true is not supported");

        int dim = Int(path, root, "hidden_size");
        int heads = Int(path, root, "num_attention_heads");
        int vocab = Int(path, root, "vocab_size");
        if (vocab != embeddingRows)
            throw new ModelFormatException($"{path}: vocab_size is {vocab} but model.embed_tokens.weight has {embeddingRows} rows");
        if (OptInt(root, "head_dim") is int headDim && headDim != dim / heads)
            throw new ModelFormatException($"{path}: head_dim {headDim} differs from hidden_size / num_attention_heads ({dim / heads}), which is not supported");
        bool tieFlag = root.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind == JsonValueKind.True;
        float theta = (float)(Real(root, "rope_theta") ?? 10000);

        var config = new ModelConfig
        {
            Architecture = modelType,
            Dim = dim,
            Layers = Int(path, root, "num_hidden_layers"),
            Heads = heads,
            KvHeads = OptInt(root, "num_key_value_heads") ?? heads,
            FfnDim = Int(path, root, "intermediate_size"),
            VocabSize = vocab,
            ContextLength = OptInt(root, "max_position_embeddings") ?? 2048,
            RmsEps = (float)(Real(root, "rms_norm_eps") ?? 1e-6),
            RopeTheta = theta,
            RopeStyle = RopeStyle.NeoX,
            RopeScaling = ReadRopeScaling(path, root),
            QkvBias = modelType == "qwen2",
            TiedEmbeddings = tieFlag || !hasLmHead,
        };
        try
        {
            config.Validate();
        }
        catch (ModelFormatException e)
        {
            throw new ModelFormatException($"{path}: {e.Message}", e);
        }
        return config;
    }

    private static Llama3RopeScaling? ReadRopeScaling(string path, JsonElement root)
    {
        if (!root.TryGetProperty("rope_scaling", out var s) || s.ValueKind != JsonValueKind.Object) return null;
        string? type = Str(s, "rope_type") ?? Str(s, "type");
        if (type is null or "default") return null;
        if (type != "llama3")
            throw new ModelFormatException($"{path}: rope_scaling type {type} is not supported (only llama3)");
        float Need(string key) => (float)(Real(s, key) ?? throw new ModelFormatException($"{path}: rope_scaling.{key} is missing"));
        return new Llama3RopeScaling(Need("factor"), Need("low_freq_factor"), Need("high_freq_factor"),
            OptInt(s, "original_max_position_embeddings") ?? throw new ModelFormatException($"{path}: rope_scaling.original_max_position_embeddings is missing"));
    }

    private static string? Str(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(string path, JsonElement e, string key) =>
        OptInt(e, key) ?? throw new ModelFormatException($"{path}: {key} is missing");

    private static int? OptInt(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static double? Real(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
