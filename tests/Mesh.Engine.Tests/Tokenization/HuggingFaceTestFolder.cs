using System.Text.Encodings.Web;
using System.Text.Json;
using Mesh.Engine.Tokenization;

namespace Mesh.Engine.Tests.Tokenization;

/// <summary>A temporary folder holding a Hugging Face tokenizer written from GGUF-style vocabulary
/// data, in the layouts of Llama 2 (SentencePiece style) and Llama 3 (byte-level).</summary>
internal sealed class HuggingFaceTestFolder : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public HuggingFaceTestFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mesh-tokens-hf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void WriteFile(string name, object content) =>
        File.WriteAllText(System.IO.Path.Combine(Path, name), content as string ?? JsonSerializer.Serialize(content, Json));

    /// <summary>Llama 2 layout: Prepend ▁ + Replace normalizer, byte fallback, merges derived from the
    /// scores as Hugging Face's SentencePiece converter does (every split of a piece into two pieces,
    /// pieces by descending score), written as [a, b] pairs or "a b" strings.</summary>
    public void WriteSentencePieceStyle(GgufTokenizerData data, bool mergesAsPairs, object? tokenizerConfig = null)
    {
        string[] tokens = data.Tokens;
        var ids = new Dictionary<string, int>();
        for (int i = 0; i < tokens.Length; i++) ids.TryAdd(tokens[i], i);
        var merges = new List<(string L, string R, float Score)>();
        for (int id = 0; id < tokens.Length; id++)
        {
            if (data.TokenTypes![id] != 1) continue;
            string piece = tokens[id];
            merges.AddRange(Enumerable.Range(1, Math.Max(0, piece.Length - 1))
                .Select(i => (L: piece[..i], R: piece[i..]))
                .Where(m => ids.ContainsKey(m.L) && ids.ContainsKey(m.R))
                .OrderBy(m => ids[m.L]).ThenBy(m => ids[m.R])
                .Select(m => (m.L, m.R, data.Scores![id])));
        }
        var ordered = merges.OrderByDescending(m => m.Score).ToList();
        var special = Enumerable.Range(0, tokens.Length).Where(id => data.TokenTypes![id] is 2 or 3).ToList();
        WriteFile("tokenizer.json", new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["added_tokens"] = special.Select(id => new { id, content = tokens[id], single_word = false, lstrip = false, rstrip = false, normalized = false, special = true }),
            ["normalizer"] = new
            {
                type = "Sequence",
                normalizers = new object[] { new { type = "Prepend", prepend = "▁" }, new { type = "Replace", pattern = new { String = " " }, content = "▁" } },
            },
            ["pre_tokenizer"] = null,
            ["post_processor"] = new
            {
                type = "TemplateProcessing",
                single = new object[] { new { SpecialToken = new { id = tokens[data.BosId!.Value], type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } } },
            },
            ["model"] = new Dictionary<string, object?>
            {
                ["type"] = "BPE",
                ["unk_token"] = tokens[data.UnknownId ?? 0],
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["vocab"] = Enumerable.Range(0, tokens.Length).ToDictionary(id => tokens[id], id => id),
                ["merges"] = mergesAsPairs
                    ? ordered.Select(m => (object)new[] { m.L, m.R }).ToList()
                    : ordered.Select(m => (object)(m.L + " " + m.R)).ToList(),
            },
        });
        WriteFile("tokenizer_config.json", tokenizerConfig ?? new
        {
            bos_token = tokens[data.BosId!.Value],
            eos_token = new { content = tokens[data.EosId!.Value] },
            add_bos_token = true,
        });
    }

    /// <summary>Llama 3 layout: Split(regex) + ByteLevel pre-tokenizer, ignore_merges, special tokens
    /// as added tokens, BOS from the post-processor template.</summary>
    public void WriteByteLevelStyle(GgufTokenizerData data, string splitPattern)
    {
        string[] tokens = data.Tokens;
        var special = Enumerable.Range(0, tokens.Length).Where(id => data.TokenTypes![id] == 3).ToList();
        WriteFile("tokenizer.json", new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["added_tokens"] = special.Select(id => new { id, content = tokens[id], single_word = false, lstrip = false, rstrip = false, normalized = false, special = true }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new
            {
                type = "Sequence",
                pretokenizers = new object[]
                {
                    new { type = "Split", pattern = new { Regex = splitPattern }, behavior = "Isolated", invert = false },
                    new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = false },
                },
            },
            ["post_processor"] = new
            {
                type = "Sequence",
                processors = new object[]
                {
                    new { type = "ByteLevel", add_prefix_space = true, trim_offsets = false, use_regex = true },
                    new
                    {
                        type = "TemplateProcessing",
                        single = new object[] { new { SpecialToken = new { id = tokens[data.BosId!.Value], type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } } },
                    },
                },
            },
            ["decoder"] = new { type = "ByteLevel", add_prefix_space = true, trim_offsets = true, use_regex = true },
            ["model"] = new Dictionary<string, object?>
            {
                ["type"] = "BPE",
                ["ignore_merges"] = true,
                ["byte_fallback"] = false,
                ["vocab"] = Enumerable.Range(0, tokens.Length).Where(id => !special.Contains(id)).ToDictionary(id => tokens[id], id => id),
                ["merges"] = data.Merges!.Select(m => m.Split(' ')).ToList(),
            },
        });
        WriteFile("tokenizer_config.json", new
        {
            bos_token = tokens[data.BosId!.Value],
            eos_token = tokens[data.EosId!.Value],
            chat_template = "{% for message in messages %}<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n{{ message['content'] }}<|eot_id|>{% endfor %}",
        });
        WriteFile("generation_config.json", new { eos_token_id = new[] { data.EosId!.Value, Array.IndexOf(tokens, "<|eot_id|>") } });
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
