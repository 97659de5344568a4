namespace Mesh.Engine.Tokenization;

/// <summary>What a vocabulary source says about special ids and text conventions, gathered by the
/// GGUF and Hugging Face readers before a <see cref="MeshTokenizer"/> is made.</summary>
internal sealed record TokenizerSettings
{
    /// <summary>For <see cref="MeshTokenizer.Describe"/>, e.g. <c>llama (SentencePiece BPE, byte fallback)</c>.</summary>
    public required string Kind { get; init; }
    public int? BosId { get; init; }
    public int? EosId { get; init; }
    public bool AddBos { get; init; }
    /// <summary>SentencePiece convention: the space the encoder put before the text is removed from
    /// the first decoded piece.</summary>
    public bool StripLeadingSpace { get; init; }
    /// <summary>Stop ids stated by the source besides EOS (Hugging Face generation_config.json).</summary>
    public IReadOnlyList<int> ExtraStopIds { get; init; } = [];
    public string? ChatTemplate { get; init; }
}
