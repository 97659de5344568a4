using Mesh.Engine.Model;
using Mesh.Engine.Tokenization;

namespace Mesh.Engine.Formats.Gguf;

/// <summary>The <c>tokenizer.*</c> metadata of a GGUF file, read without touching its tensors: the
/// model loader uses it, and so does the scheduler, which needs the tokenizer but never the weights.</summary>
public static class GgufTokenizerReader
{
    public static GgufTokenizerData Read(GgufFile file)
    {
        const string p = "tokenizer.ggml.";
        string[] tokens = file.GetArray<string>(p + "tokens")
            ?? throw new ModelFormatException($"{file.Path}: the file has no tokenizer (tokenizer.ggml.tokens missing)");
        return new GgufTokenizerData
        {
            Model = file.GetString(p + "model")
                ?? throw new ModelFormatException($"{file.Path}: metadata tokenizer.ggml.model is missing"),
            Pre = file.GetString(p + "pre"),
            Tokens = tokens,
            Scores = file.GetArray<float>(p + "scores"),
            TokenTypes = IntArray(file, p + "token_type"),
            Merges = file.GetArray<string>(p + "merges"),
            BosId = OptionalInt(file, p + "bos_token_id"),
            EosId = OptionalInt(file, p + "eos_token_id"),
            UnknownId = OptionalInt(file, p + "unknown_token_id"),
            PaddingId = OptionalInt(file, p + "padding_token_id"),
            AddBos = file.GetBool(p + "add_bos_token"),
            AddEos = file.GetBool(p + "add_eos_token"),
            ChatTemplate = file.GetString("tokenizer.chat_template"),
        };
    }

    /// <summary>An integer array of any GGUF integer element type, as int[].</summary>
    private static int[]? IntArray(GgufFile file, string key)
    {
        if (file.Metadata.GetValueOrDefault(key)?.Value is not GgufArray a) return null;
        if (a.Items is int[] ints) return ints;
        var result = new int[a.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = new GgufValue(a.ElementType, a.Items.GetValue(i)!).AsInteger() is long n
                ? checked((int)n)
                : throw new ModelFormatException($"{file.Path}: metadata {key} is an array of {a.ElementType}, expected integers");
        return result;
    }

    private static int? OptionalInt(GgufFile file, string key)
    {
        if (!file.Metadata.TryGetValue(key, out var v)) return null;
        long? n = v.AsInteger();
        if (n is null || n < int.MinValue || n > int.MaxValue)
            throw new ModelFormatException($"{file.Path}: metadata {key} is a {v.Type}, expected an integer");
        return (int)n;
    }
}
