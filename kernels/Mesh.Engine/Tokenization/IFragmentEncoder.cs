namespace Mesh.Engine.Tokenization;

/// <summary>Tokenizes raw text that holds no special tokens: the part of encoding that differs
/// between SentencePiece and the BPE variants. Implementations are thread-safe.</summary>
internal interface IFragmentEncoder
{
    /// <param name="atTextStart">The fragment begins the input (no special token before it); some
    /// normalizers prepend a space only there.</param>
    void Encode(ReadOnlySpan<char> text, bool atTextStart, List<int> ids);
}
