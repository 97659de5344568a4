using System.Text;
using System.Text.RegularExpressions;
using Mesh.Engine.Tokenization;

namespace Mesh.Engine.Tests.Tokenization;

/// <summary>A small byte-level BPE vocabulary made for tests: the 256 byte characters, merges learned
/// greedily from a fixed corpus, then Llama 3 / ChatML special tokens.</summary>
internal static class ByteLevelTestVocabulary
{
    public static readonly string[] Specials =
        ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|im_start|>", "<|im_end|>"];

    public const string Corpus = """
        Once upon a time, there was a little girl named Lily. She loved to play outside in the park.
        One day, she saw a big, red ball. She said, "I'm going to play with the ball!" They're happy.
        The year was 2024 and the price was 3.14159 dollars; 1234567 people came to the café.
        Naïve résumé: über straße, 日本語のテキスト, emoji 😀 and symbols → ✓. It's what we'd done.
        def main():
            return 42  # spaces    and	tabs
        """;

    private static readonly Lazy<(List<string> Tokens, List<(string Left, string Right)> Merges)> Trained = new(() => Train(400));

    /// <summary>GGUF tokenizer metadata for a <c>gpt2</c> vocabulary with the given pre-tokenizer.</summary>
    public static GgufTokenizerData Build(string pre)
    {
        var tokens = Trained.Value.Tokens.ToList();
        var merges = Trained.Value.Merges;
        int firstSpecial = tokens.Count;
        tokens.AddRange(Specials);
        int[] types = Enumerable.Range(0, tokens.Count).Select(id => id >= firstSpecial ? 3 : 1).ToArray();
        return new GgufTokenizerData
        {
            Model = "gpt2",
            Pre = pre,
            Tokens = tokens.ToArray(),
            TokenTypes = types,
            Merges = merges.Select(m => m.Left + " " + m.Right).ToArray(),
            BosId = firstSpecial,
            EosId = firstSpecial + 1,
        };
    }

    /// <summary>Byte characters first (in byte order), then one token per merge, in merge order.</summary>
    public static (List<string> Tokens, List<(string Left, string Right)> Merges) Train(int maxMerges)
    {
        var tokens = Enumerable.Range(0, 256).Select(b => MapByte((byte)b)).ToList();
        var known = new HashSet<string>(tokens);
        var words = new Dictionary<string, int>();
        // Words of all three pre-tokenizers, so some merges cross one pattern's word boundaries
        // (" 1234567" for GPT-2, "123" for Llama 3) and encoding with the wrong pattern shows.
        foreach (string pattern in new[] { PreTokenizerPatterns.Llama3Pattern, PreTokenizerPatterns.Qwen2Pattern, PreTokenizerPatterns.Gpt2Pattern })
        {
            foreach (Match m in new Regex(pattern).Matches(Corpus))
            {
                string mapped = string.Concat(Encoding.UTF8.GetBytes(m.Value).Select(MapByte));
                words[mapped] = words.GetValueOrDefault(mapped) + 1;
            }
        }
        var split = words.ToDictionary(w => w.Key, w => w.Key.Select(c => c.ToString()).ToList());
        var merges = new List<(string, string)>();
        while (merges.Count < maxMerges)
        {
            var counts = new Dictionary<(string, string), int>();
            foreach (var (word, symbols) in split)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    counts[(symbols[i], symbols[i + 1])] = counts.GetValueOrDefault((symbols[i], symbols[i + 1])) + words[word];
            if (counts.Count == 0) break;
            var best = counts.OrderByDescending(c => c.Value)
                .ThenBy(c => c.Key.Item1, StringComparer.Ordinal).ThenBy(c => c.Key.Item2, StringComparer.Ordinal).First();
            var (left, right) = best.Key;
            merges.Add((left, right));
            if (known.Add(left + right)) tokens.Add(left + right);
            foreach (var symbols in split.Values)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] != left || symbols[i + 1] != right) continue;
                    symbols[i] = left + right;
                    symbols.RemoveAt(i + 1);
                }
            }
        }
        return (tokens, merges);
    }

    /// <summary>GPT-2's byte → character map, written out independently of the engine's.</summary>
    public static string MapByte(byte b)
    {
        bool self = b is >= (byte)'!' and <= (byte)'~' or >= 0xA1 and <= 0xAC or >= 0xAE;
        if (self) return ((char)b).ToString();
        int n = 0;
        for (int x = 0; x < b; x++)
            if (!(x is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE)) n++;
        return ((char)(256 + n)).ToString();
    }
}
