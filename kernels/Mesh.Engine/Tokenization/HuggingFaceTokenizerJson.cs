using System.Text.Json;
using Mesh.Engine.Model;

namespace Mesh.Engine.Tokenization;

/// <summary>The parts of a Hugging Face <c>tokenizer.json</c> Mesh uses: a BPE model (vocab, merges,
/// byte fallback, unknown token), added tokens, and the normalizer / pre-tokenizer / post-processor
/// settings that decide between the SentencePiece style (▁ for spaces, byte fallback) and the
/// byte-level style (regex split, GPT-2 byte map). Anything else is refused with the file named.</summary>
internal sealed class HuggingFaceTokenizerJson
{
    public required string Path { get; init; }
    public required Dictionary<string, int> Vocab { get; init; }
    /// <summary>Merge rules in rank order, as written ("a b" strings or [a, b] pairs).</summary>
    public required List<JsonElement> Merges { get; init; }
    public required List<(int Id, string Content, bool Special)> AddedTokens { get; init; }
    public string? UnknownToken { get; init; }
    public bool ByteFallback { get; init; }
    public bool IgnoreMerges { get; init; }
    /// <summary>A ByteLevel pre-tokenizer is present.</summary>
    public bool ByteLevel { get; init; }
    public bool ByteLevelAddPrefixSpace { get; init; }
    /// <summary>Split regexes for byte-level text, in order (ByteLevel's own GPT-2 regex included when it uses one).</summary>
    public List<string> SplitPatterns { get; init; } = [];
    public SpacePrefix SpacePrefix { get; init; }
    public bool ReplaceSpaces { get; init; }
    public bool SplitOnSpace { get; init; }
    /// <summary>The special token the post-processor puts first (BOS), if any.</summary>
    public string? TemplateFirstToken { get; init; }

    public static HuggingFaceTokenizerJson Read(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException($"{path}: no \"model\" object");
            string type = String(model, "type") ?? (model.TryGetProperty("merges", out _) ? "BPE" : "unknown");
            if (type != "BPE")
                throw new ModelFormatException($"{path}: tokenizer model type '{type}' is not supported; Mesh reads BPE tokenizers (byte-level, or SentencePiece-style with byte fallback)");
            if (!string.IsNullOrEmpty(String(model, "continuing_subword_prefix")) || !string.IsNullOrEmpty(String(model, "end_of_word_suffix")))
                throw new ModelFormatException($"{path}: BPE with continuing_subword_prefix or end_of_word_suffix is not supported");
            if (!model.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException($"{path}: model.vocab is not an object of piece → id");

            var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in vocabJson.EnumerateObject()) vocab[entry.Name] = entry.Value.GetInt32();
            var merges = model.TryGetProperty("merges", out var mergesJson) && mergesJson.ValueKind == JsonValueKind.Array
                ? mergesJson.EnumerateArray().Select(m => m.Clone()).ToList()
                : [];
            var added = new List<(int, string, bool)>();
            if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array)
            {
                foreach (var token in addedJson.EnumerateArray())
                    added.Add((token.GetProperty("id").GetInt32(), token.GetProperty("content").GetString() ?? "", Bool(token, "special") ?? false));
            }

            var pre = new PreTokenizerSettings();
            ReadNormalizer(path, root.TryGetProperty("normalizer", out var normalizer) ? normalizer : default, pre);
            ReadPreTokenizer(path, root.TryGetProperty("pre_tokenizer", out var preTokenizer) ? preTokenizer : default, pre);
            return new HuggingFaceTokenizerJson
            {
                Path = path,
                Vocab = vocab,
                Merges = merges,
                AddedTokens = added,
                UnknownToken = String(model, "unk_token"),
                ByteFallback = Bool(model, "byte_fallback") ?? false,
                IgnoreMerges = Bool(model, "ignore_merges") ?? false,
                ByteLevel = pre.ByteLevel,
                ByteLevelAddPrefixSpace = pre.ByteLevelAddPrefixSpace,
                SplitPatterns = pre.SplitPatterns,
                SpacePrefix = pre.SpacePrefix,
                ReplaceSpaces = pre.ReplaceSpaces,
                SplitOnSpace = pre.SplitOnSpace,
                TemplateFirstToken = root.TryGetProperty("post_processor", out var post) ? TemplateFirstSpecial(post) : null,
            };
        }
    }

    /// <summary>Splits the merge rules into piece pairs against the final vocabulary.</summary>
    public List<(string Left, string Right)> MergePairs(IReadOnlyDictionary<string, int> ids)
    {
        var pairs = new List<(string, string)>(Merges.Count);
        foreach (var merge in Merges)
        {
            if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
            {
                pairs.Add((merge[0].GetString() ?? "", merge[1].GetString() ?? ""));
            }
            else if (merge.ValueKind == JsonValueKind.String && RankedBpe.TrySplitMerge(merge.GetString()!, ids, out var pair))
            {
                pairs.Add(pair);
            }
            else
            {
                throw new ModelFormatException($"{Path}: merge {merge.GetRawText()} is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        return pairs;
    }

    private sealed class PreTokenizerSettings
    {
        public bool ByteLevel;
        public bool ByteLevelAddPrefixSpace;
        public List<string> SplitPatterns = [];
        public SpacePrefix SpacePrefix = SpacePrefix.Never;
        public bool ReplaceSpaces;
        public bool SplitOnSpace;
    }

    private static void ReadNormalizer(string path, JsonElement node, PreTokenizerSettings s)
    {
        if (node.ValueKind != JsonValueKind.Object) return;
        switch (String(node, "type"))
        {
            case "Sequence":
                foreach (var child in node.GetProperty("normalizers").EnumerateArray()) ReadNormalizer(path, child, s);
                break;
            case "Prepend" when String(node, "prepend") == "\u2581":
                s.SpacePrefix = SpacePrefix.Always;
                break;
            case "Replace" when node.TryGetProperty("pattern", out var pattern) && String(pattern, "String") == " " && String(node, "content") == "\u2581":
                s.ReplaceSpaces = true;
                break;
            // Unicode normalization is not applied (InvariantGlobalization has no normalization data);
            // llama.cpp does not apply it either, and text that is already NFC is unaffected.
            case "NFC":
                break;
            default:
                throw new ModelFormatException($"{path}: normalizer {node.GetRawText()} is not supported");
        }
    }

    private static void ReadPreTokenizer(string path, JsonElement node, PreTokenizerSettings s)
    {
        if (node.ValueKind != JsonValueKind.Object) return;
        switch (String(node, "type"))
        {
            case "Sequence":
                foreach (var child in node.GetProperty("pretokenizers").EnumerateArray()) ReadPreTokenizer(path, child, s);
                break;
            case "ByteLevel":
                s.ByteLevel = true;
                s.ByteLevelAddPrefixSpace = Bool(node, "add_prefix_space") ?? true;
                if (Bool(node, "use_regex") ?? true) s.SplitPatterns.Add(PreTokenizerPatterns.Gpt2Pattern);
                break;
            case "Split" when (String(node, "behavior") ?? "Isolated") == "Isolated" && !(Bool(node, "invert") ?? false)
                              && node.TryGetProperty("pattern", out var pattern):
                s.SplitPatterns.Add(String(pattern, "Regex") ?? System.Text.RegularExpressions.Regex.Escape(String(pattern, "String") ?? ""));
                break;
            case "Metaspace" when (String(node, "replacement") ?? "\u2581") == "\u2581":
                s.ReplaceSpaces = true;
                s.SplitOnSpace = Bool(node, "split") ?? true;
                s.SpacePrefix = String(node, "prepend_scheme") switch
                {
                    "first" => SpacePrefix.First,
                    "never" => SpacePrefix.Never,
                    "always" => SpacePrefix.Always,
                    _ => (Bool(node, "add_prefix_space") ?? true) ? SpacePrefix.Always : SpacePrefix.Never,
                };
                break;
            default:
                throw new ModelFormatException($"{path}: pre_tokenizer {node.GetRawText()} is not supported");
        }
    }

    /// <summary>The first special token of a TemplateProcessing post-processor's single-sequence
    /// template (directly or inside a Sequence), e.g. <c>&lt;s&gt;</c> or <c>&lt;|begin_of_text|&gt;</c>.</summary>
    private static string? TemplateFirstSpecial(JsonElement node)
    {
        if (node.ValueKind != JsonValueKind.Object) return null;
        switch (String(node, "type"))
        {
            case "Sequence" when node.TryGetProperty("processors", out var processors):
                return processors.EnumerateArray().Select(TemplateFirstSpecial).FirstOrDefault(t => t is not null);
            case "TemplateProcessing" when node.TryGetProperty("single", out var single) && single.ValueKind == JsonValueKind.Array:
                foreach (var item in single.EnumerateArray())
                    return item.TryGetProperty("SpecialToken", out var special) ? String(special, "id") : null;
                return null;
            default:
                return null;
        }
    }

    private static string? String(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? Bool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
