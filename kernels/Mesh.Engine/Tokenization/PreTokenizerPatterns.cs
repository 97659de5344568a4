using System.Text.RegularExpressions;

namespace Mesh.Engine.Tokenization;

/// <summary>The word-splitting regexes of byte-level BPE vocabularies, chosen by GGUF
/// <c>tokenizer.ggml.pre</c> the way llama.cpp chooses them. .NET matches UTF-16 code units, so a
/// letter outside the Basic Multilingual Plane is not <c>\p{L}</c> here (rare in practice).</summary>
internal static partial class PreTokenizerPatterns
{
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    public const string Llama3Pattern = @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    public const string Qwen2Pattern = @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    [GeneratedRegex(Gpt2Pattern)] public static partial Regex Gpt2();
    [GeneratedRegex(Llama3Pattern)] public static partial Regex Llama3();
    [GeneratedRegex(Qwen2Pattern)] public static partial Regex Qwen2();

    /// <summary>GGUF pre-tokenizer names that use the Llama 3 pattern (and skip merges for whole words in the vocabulary).</summary>
    public static bool IsLlama3Family(string? pre) => pre is "llama3" or "llama-v3" or "llama-bpe" or "falcon3" or "pixtral";

    public static bool IsQwen2Family(string? pre) => pre is "qwen2" or "deepseek-r1-qwen" or "megrez";

    /// <summary>The pattern for a GGUF <c>tokenizer.ggml.pre</c> value; GPT-2's for <c>default</c>,
    /// <c>gpt-2</c>, absent and unrecognised names.</summary>
    public static Regex ForGgufPre(string? pre) =>
        IsLlama3Family(pre) ? Llama3() : IsQwen2Family(pre) ? Qwen2() : Gpt2();

    /// <summary>A Hugging Face <c>Split</c> pattern, reusing the generated regex for known patterns.</summary>
    public static Regex FromPattern(string pattern) => pattern switch
    {
        Gpt2Pattern => Gpt2(),
        Llama3Pattern => Llama3(),
        Qwen2Pattern => Qwen2(),
        _ => new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant),
    };
}
