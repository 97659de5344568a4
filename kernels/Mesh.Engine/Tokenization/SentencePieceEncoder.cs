using Microsoft.ML.Tokenizers;

namespace Mesh.Engine.Tokenization;

/// <summary>SentencePiece BPE with byte fallback (GGUF <c>llama</c> vocabularies) through
/// Microsoft.ML.Tokenizers' <see cref="LlamaTokenizer"/>, built from a ModelProto written in memory.
/// Each fragment gets the dummy-prefix space, as llama.cpp gives one to every raw fragment that
/// follows the start of text or a special token.</summary>
internal sealed class SentencePieceEncoder : IFragmentEncoder
{
    private readonly LlamaTokenizer _tokenizer;

    public SentencePieceEncoder(TokenVocabulary vocab, float[] scores, int unkId, int bosId, int eosId, int padId)
    {
        byte[] proto = SentencePieceModelProto.Build(vocab.Pieces, scores, vocab.Types, unkId, bosId, eosId, padId);
        using var stream = new MemoryStream(proto, writable: false);
        _tokenizer = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
    }

    public void Encode(ReadOnlySpan<char> text, bool atTextStart, List<int> ids) =>
        ids.AddRange(_tokenizer.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false,
            considerPreTokenization: true, considerNormalization: true));
}
