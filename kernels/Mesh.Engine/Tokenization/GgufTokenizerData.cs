namespace Mesh.Engine.Tokenization;

/// <summary>The <c>tokenizer.*</c> metadata of a GGUF file, as the file states it.</summary>
public sealed record GgufTokenizerData
{
    /// <summary><c>tokenizer.ggml.model</c>: <c>llama</c> (SentencePiece) or <c>gpt2</c> (byte-level BPE).</summary>
    public required string Model { get; init; }
    /// <summary><c>tokenizer.ggml.pre</c>: the pre-tokenizer variant of a <c>gpt2</c> vocabulary (llama-bpe, qwen2, ...).</summary>
    public string? Pre { get; init; }
    public required string[] Tokens { get; init; }
    public float[]? Scores { get; init; }
    /// <summary>1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.</summary>
    public int[]? TokenTypes { get; init; }
    public string[]? Merges { get; init; }
    public int? BosId { get; init; }
    public int? EosId { get; init; }
    public int? UnknownId { get; init; }
    public int? PaddingId { get; init; }
    public bool? AddBos { get; init; }
    public bool? AddEos { get; init; }
    /// <summary><c>tokenizer.chat_template</c> (Jinja source), used only to recognise the chat family.</summary>
    public string? ChatTemplate { get; init; }
}
