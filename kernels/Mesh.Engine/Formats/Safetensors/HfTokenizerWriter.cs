using System.Text.Encodings.Web;
using System.Text.Json;

namespace Mesh.Engine.Formats.Safetensors;

/// <summary>Writes a SentencePiece-style BPE vocabulary (byte fallback, <c>▁</c> for spaces) as
/// Hugging Face's <c>tokenizer.json</c> and <c>tokenizer_config.json</c>, the way Llama 2's
/// "fast" tokenizer files are laid out.</summary>
internal static class HfTokenizerWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="merges">"left right" pairs in rank order.</param>
    public static void Write(string folder, IReadOnlyList<string> tokens, IReadOnlyList<string> merges,
        int unkId, int bosId, int eosId, int contextLength, string? chatTemplate)
    {
        WriteTokenizerJson(Path.Combine(folder, SafetensorsModelLoader.TokenizerFile), tokens, merges, unkId, bosId, eosId);
        WriteTokenizerConfig(Path.Combine(folder, SafetensorsModelLoader.TokenizerConfigFile), tokens, unkId, bosId, eosId, contextLength, chatTemplate);
    }

    private static void WriteTokenizerJson(string path, IReadOnlyList<string> tokens, IReadOnlyList<string> merges, int unkId, int bosId, int eosId)
    {
        using var stream = File.Create(path);
        using var j = new Utf8JsonWriter(stream, Options);
        j.WriteStartObject();
        j.WriteString("version", "1.0");
        j.WriteNull("truncation");
        j.WriteNull("padding");
        j.WriteStartArray("added_tokens");
        foreach (int id in new[] { unkId, bosId, eosId })
        {
            j.WriteStartObject();
            j.WriteNumber("id", id);
            j.WriteString("content", tokens[id]);
            j.WriteBoolean("single_word", false);
            j.WriteBoolean("lstrip", false);
            j.WriteBoolean("rstrip", false);
            j.WriteBoolean("normalized", false);
            j.WriteBoolean("special", true);
            j.WriteEndObject();
        }
        j.WriteEndArray();

        j.WriteStartObject("normalizer");
        j.WriteString("type", "Sequence");
        j.WriteStartArray("normalizers");
        j.WriteStartObject();
        j.WriteString("type", "Prepend");
        j.WriteString("prepend", "\u2581");
        j.WriteEndObject();
        WriteReplace(j, " ", "\u2581");
        j.WriteEndArray();
        j.WriteEndObject();
        j.WriteNull("pre_tokenizer");

        string bos = tokens[bosId];
        j.WriteStartObject("post_processor");
        j.WriteString("type", "TemplateProcessing");
        j.WriteStartArray("single");
        WriteSpecial(j, bos);
        WriteSequence(j, "A");
        j.WriteEndArray();
        j.WriteStartArray("pair");
        WriteSpecial(j, bos);
        WriteSequence(j, "A");
        WriteSpecial(j, bos);
        WriteSequence(j, "B");
        j.WriteEndArray();
        j.WriteStartObject("special_tokens");
        j.WriteStartObject(bos);
        j.WriteString("id", bos);
        j.WriteStartArray("ids");
        j.WriteNumberValue(bosId);
        j.WriteEndArray();
        j.WriteStartArray("tokens");
        j.WriteStringValue(bos);
        j.WriteEndArray();
        j.WriteEndObject();
        j.WriteEndObject();
        j.WriteEndObject();

        j.WriteStartObject("decoder");
        j.WriteString("type", "Sequence");
        j.WriteStartArray("decoders");
        WriteReplace(j, "\u2581", " ");
        j.WriteStartObject();
        j.WriteString("type", "ByteFallback");
        j.WriteEndObject();
        j.WriteStartObject();
        j.WriteString("type", "Fuse");
        j.WriteEndObject();
        j.WriteStartObject();
        j.WriteString("type", "Strip");
        j.WriteString("content", " ");
        j.WriteNumber("start", 1);
        j.WriteNumber("stop", 0);
        j.WriteEndObject();
        j.WriteEndArray();
        j.WriteEndObject();

        j.WriteStartObject("model");
        j.WriteString("type", "BPE");
        j.WriteNull("dropout");
        j.WriteString("unk_token", tokens[unkId]);
        j.WriteNull("continuing_subword_prefix");
        j.WriteNull("end_of_word_suffix");
        j.WriteBoolean("fuse_unk", true);
        j.WriteBoolean("byte_fallback", true);
        j.WriteBoolean("ignore_merges", false);
        j.WriteStartObject("vocab");
        for (int i = 0; i < tokens.Count; i++) j.WriteNumber(tokens[i], i);
        j.WriteEndObject();
        j.WriteStartArray("merges");
        foreach (string m in merges) j.WriteStringValue(m);
        j.WriteEndArray();
        j.WriteEndObject();
        j.WriteEndObject();
    }

    private static void WriteReplace(Utf8JsonWriter j, string from, string to)
    {
        j.WriteStartObject();
        j.WriteString("type", "Replace");
        j.WriteStartObject("pattern");
        j.WriteString("String", from);
        j.WriteEndObject();
        j.WriteString("content", to);
        j.WriteEndObject();
    }

    private static void WriteSpecial(Utf8JsonWriter j, string token)
    {
        j.WriteStartObject();
        j.WriteStartObject("SpecialToken");
        j.WriteString("id", token);
        j.WriteNumber("type_id", 0);
        j.WriteEndObject();
        j.WriteEndObject();
    }

    private static void WriteSequence(Utf8JsonWriter j, string id)
    {
        j.WriteStartObject();
        j.WriteStartObject("Sequence");
        j.WriteString("id", id);
        j.WriteNumber("type_id", 0);
        j.WriteEndObject();
        j.WriteEndObject();
    }

    private static void WriteTokenizerConfig(string path, IReadOnlyList<string> tokens, int unkId, int bosId, int eosId, int contextLength, string? chatTemplate)
    {
        using var stream = File.Create(path);
        using var j = new Utf8JsonWriter(stream, Options);
        j.WriteStartObject();
        j.WriteBoolean("add_bos_token", true);
        j.WriteBoolean("add_eos_token", false);
        j.WriteString("bos_token", tokens[bosId]);
        j.WriteString("eos_token", tokens[eosId]);
        j.WriteString("unk_token", tokens[unkId]);
        j.WriteNull("pad_token");
        j.WriteNumber("model_max_length", contextLength);
        j.WriteString("tokenizer_class", "LlamaTokenizerFast");
        j.WriteBoolean("legacy", false);
        if (chatTemplate != null) j.WriteString("chat_template", chatTemplate);
        j.WriteEndObject();
    }
}
