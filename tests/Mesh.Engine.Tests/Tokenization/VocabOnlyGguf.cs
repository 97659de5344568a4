using Mesh.Engine.Formats.Gguf;
using Mesh.Engine.Tokenization;

namespace Mesh.Engine.Tests.Tokenization;

/// <summary>Writes tokenizer metadata as a GGUF without tensors, with the few <c>llama</c>
/// hyperparameters llama.cpp reads before it skips tensors in a vocabulary-only load.</summary>
internal static class VocabOnlyGguf
{
    public static void Write(string path, GgufTokenizerData data)
    {
        var writer = new GgufWriter();
        writer.AddMetadata("general.architecture", "llama");
        writer.AddMetadata("llama.context_length", 64u);
        writer.AddMetadata("llama.embedding_length", 8u);
        writer.AddMetadata("llama.block_count", 1u);
        writer.AddMetadata("llama.feed_forward_length", 16u);
        writer.AddMetadata("llama.attention.head_count", 1u);
        writer.AddMetadata("llama.attention.head_count_kv", 1u);
        writer.AddMetadata("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        writer.AddMetadata("llama.rope.dimension_count", 8u);
        writer.AddMetadata("tokenizer.ggml.model", data.Model);
        if (data.Pre is not null) writer.AddMetadata("tokenizer.ggml.pre", data.Pre);
        writer.AddMetadata("tokenizer.ggml.tokens", data.Tokens);
        if (data.TokenTypes is not null) writer.AddMetadata("tokenizer.ggml.token_type", data.TokenTypes);
        if (data.Scores is not null) writer.AddMetadata("tokenizer.ggml.scores", data.Scores);
        if (data.Merges is not null) writer.AddMetadata("tokenizer.ggml.merges", data.Merges);
        if (data.BosId is int bos) writer.AddMetadata("tokenizer.ggml.bos_token_id", (uint)bos);
        if (data.EosId is int eos) writer.AddMetadata("tokenizer.ggml.eos_token_id", (uint)eos);
        if (data.AddBos is bool addBos) writer.AddMetadata("tokenizer.ggml.add_bos_token", addBos);
        writer.WriteTo(path);
    }
}
