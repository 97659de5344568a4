namespace Mesh.Engine.Tokenization;

/// <summary>What a vocabulary entry is, with the numbers GGUF (<c>tokenizer.ggml.token_type</c>) and
/// SentencePiece (<c>ModelProto.SentencePiece.Type</c>) both use.</summary>
internal enum TokenType : byte
{
    Normal = 1,
    Unknown = 2,
    /// <summary>BOS, EOS, end-of-turn markers...: matched in input text, decoded to nothing.</summary>
    Control = 3,
    /// <summary>Added text tokens: matched in input text, decoded to their text.</summary>
    UserDefined = 4,
    Unused = 5,
    /// <summary><c>&lt;0xNN&gt;</c> byte-fallback pieces.</summary>
    Byte = 6,
}
