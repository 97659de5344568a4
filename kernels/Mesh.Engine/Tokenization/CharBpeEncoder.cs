using System.Buffers;
using System.Text;

namespace Mesh.Engine.Tokenization;

/// <summary>When a normalizer or Metaspace pre-tokenizer puts ▁ before the text.</summary>
internal enum SpacePrefix
{
    Never,
    /// <summary>Only before the fragment that begins the input (Metaspace <c>prepend_scheme: first</c>).</summary>
    First,
    /// <summary>Before every fragment, also after special tokens (Prepend normalizer, <c>always</c>).</summary>
    Always,
}

/// <summary>Hugging Face BPE over characters with byte fallback (Llama 2, Mistral, TinyLlama
/// tokenizer.json): spaces become ▁, a ▁ may be prepended, the text may be split before each ▁
/// (Metaspace), every character is a symbol (or its <c>&lt;0xNN&gt;</c> bytes when not in the
/// vocabulary), then symbols merge by rank.</summary>
internal sealed class CharBpeEncoder : IFragmentEncoder
{
    private const int StackLimit = 256;

    private readonly RankedBpe _bpe;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ids;
    /// <summary>[256] ids of the <c>&lt;0xNN&gt;</c> pieces; null without byte fallback.</summary>
    private readonly int[]? _byteIds;
    private readonly int _unknownId;
    private readonly SpacePrefix _prefix;
    private readonly bool _replaceSpaces;
    private readonly bool _splitOnSpace;

    public CharBpeEncoder(TokenVocabulary vocab, RankedBpe bpe, bool byteFallback, int unknownId, SpacePrefix prefix, bool replaceSpaces, bool splitOnSpace)
    {
        _bpe = bpe;
        _ids = vocab.Ids.GetAlternateLookup<ReadOnlySpan<char>>();
        _unknownId = unknownId;
        _prefix = prefix;
        _replaceSpaces = replaceSpaces;
        _splitOnSpace = splitOnSpace;
        if (byteFallback)
        {
            _byteIds = new int[256];
            for (int b = 0; b < 256; b++) _byteIds[b] = vocab.Find($"<0x{b:X2}>") ?? -1;
        }
    }

    public void Encode(ReadOnlySpan<char> text, bool atTextStart, List<int> ids)
    {
        if (text.IsEmpty) return;
        bool prefix = _prefix == SpacePrefix.Always || (_prefix == SpacePrefix.First && atTextStart);
        int length = text.Length + (prefix ? 1 : 0);
        char[]? rented = null;
        Span<char> normalized = length <= StackLimit ? stackalloc char[StackLimit] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            normalized = normalized[..length];
            if (prefix) normalized[0] = TokenVocabulary.SentencePieceSpace;
            text.CopyTo(normalized[(prefix ? 1 : 0)..]);
            if (_replaceSpaces) normalized.Replace(' ', TokenVocabulary.SentencePieceSpace);

            if (!_splitOnSpace)
            {
                EncodeWord(normalized, ids);
                return;
            }
            int start = 0;
            for (int i = 1; i < normalized.Length; i++)
            {
                if (normalized[i] != TokenVocabulary.SentencePieceSpace) continue;
                EncodeWord(normalized[start..i], ids);
                start = i;
            }
            EncodeWord(normalized[start..], ids);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    private void EncodeWord(ReadOnlySpan<char> word, List<int> ids)
    {
        // A character yields at most 4 byte symbols.
        int capacity = word.Length * 4;
        int[]? rented = null;
        Span<int> symbols = capacity <= StackLimit ? stackalloc int[StackLimit] : (rented = ArrayPool<int>.Shared.Rent(capacity));
        try
        {
            int count = 0;
            Span<byte> utf8 = stackalloc byte[4];
            for (int i = 0; i < word.Length;)
            {
                int width = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
                if (_ids.TryGetValue(word.Slice(i, width), out int id))
                {
                    symbols[count++] = id;
                }
                else
                {
                    int n = Encoding.UTF8.GetBytes(word.Slice(i, width), utf8);
                    bool allBytes = _byteIds is not null;
                    for (int k = 0; k < n && allBytes; k++) allBytes = _byteIds![utf8[k]] >= 0;
                    if (allBytes)
                    {
                        for (int k = 0; k < n; k++) symbols[count++] = _byteIds![utf8[k]];
                    }
                    else if (_unknownId >= 0)
                    {
                        symbols[count++] = _unknownId;
                    }
                }
                i += width;
            }
            count = _bpe.Apply(symbols[..count]);
            for (int i = 0; i < count; i++) ids.Add(symbols[i]);
        }
        finally
        {
            if (rented is not null) ArrayPool<int>.Shared.Return(rented);
        }
    }
}
