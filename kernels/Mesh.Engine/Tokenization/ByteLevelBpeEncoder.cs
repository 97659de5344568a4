using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace Mesh.Engine.Tokenization;

/// <summary>Byte-level BPE (GPT-2, Llama 3, Qwen2): split the text into words with the pre-tokenizer
/// regexes, turn each word's UTF-8 bytes into the vocabulary's byte characters, then merge by rank.</summary>
internal sealed class ByteLevelBpeEncoder : IFragmentEncoder
{
    private const int StackLimit = 256;

    /// <summary>Applied in order, each to the pieces the previous one produced; the text between
    /// matches is kept as pieces too.</summary>
    private readonly Regex[] _splits;
    private readonly RankedBpe _bpe;
    /// <summary>[256] the id of each byte's character; -1 where the vocabulary lacks it.</summary>
    private readonly int[] _byteIds;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ids;
    /// <summary>Llama 3: a word that is itself in the vocabulary is emitted whole, without merging.</summary>
    private readonly bool _ignoreMerges;
    /// <summary>Hugging Face ByteLevel <c>add_prefix_space</c>: a space before text that lacks one.</summary>
    private readonly bool _addPrefixSpace;
    private readonly int _unknownId;

    public ByteLevelBpeEncoder(TokenVocabulary vocab, RankedBpe bpe, Regex[] splits, bool ignoreMerges, bool addPrefixSpace)
    {
        _splits = splits;
        _bpe = bpe;
        _ignoreMerges = ignoreMerges;
        _addPrefixSpace = addPrefixSpace;
        _ids = vocab.Ids.GetAlternateLookup<ReadOnlySpan<char>>();
        _unknownId = Array.IndexOf(vocab.Types, TokenType.Unknown);
        _byteIds = new int[256];
        for (int b = 0; b < 256; b++) _byteIds[b] = vocab.Find(GptByteMap.ByteToChar[b].ToString()) ?? -1;
    }

    public int MissingByteCount => _byteIds.Count(id => id < 0);

    public void Encode(ReadOnlySpan<char> text, bool atTextStart, List<int> ids)
    {
        if (_addPrefixSpace && text.Length > 0 && text[0] != ' ')
        {
            string spaced = string.Concat(" ", text);
            EncodeSplits(spaced, 0, ids);
        }
        else
        {
            EncodeSplits(text, 0, ids);
        }
    }

    private void EncodeSplits(ReadOnlySpan<char> text, int level, List<int> ids)
    {
        if (text.IsEmpty) return;
        if (level == _splits.Length)
        {
            EncodeWord(text, ids);
            return;
        }
        int position = 0;
        foreach (ValueMatch match in _splits[level].EnumerateMatches(text))
        {
            if (match.Length == 0) continue;
            if (match.Index > position) EncodeSplits(text[position..match.Index], level + 1, ids);
            EncodeSplits(text.Slice(match.Index, match.Length), level + 1, ids);
            position = match.Index + match.Length;
        }
        if (position < text.Length) EncodeSplits(text[position..], level + 1, ids);
    }

    private void EncodeWord(ReadOnlySpan<char> word, List<int> ids)
    {
        int byteCount = Encoding.UTF8.GetByteCount(word);
        byte[]? rentedBytes = null;
        int[]? rentedSymbols = null;
        char[]? rentedChars = null;
        Span<byte> bytes = byteCount <= StackLimit ? stackalloc byte[StackLimit] : (rentedBytes = ArrayPool<byte>.Shared.Rent(byteCount));
        Span<int> symbols = byteCount <= StackLimit ? stackalloc int[StackLimit] : (rentedSymbols = ArrayPool<int>.Shared.Rent(byteCount));
        try
        {
            bytes = bytes[..Encoding.UTF8.GetBytes(word, bytes)];
            if (_ignoreMerges)
            {
                Span<char> mapped = byteCount <= StackLimit ? stackalloc char[StackLimit] : (rentedChars = ArrayPool<char>.Shared.Rent(byteCount));
                for (int i = 0; i < bytes.Length; i++) mapped[i] = GptByteMap.ByteToChar[bytes[i]];
                if (_ids.TryGetValue(mapped[..bytes.Length], out int whole))
                {
                    ids.Add(whole);
                    return;
                }
            }
            int count = 0;
            foreach (byte b in bytes)
            {
                int id = _byteIds[b];
                if (id >= 0) symbols[count++] = id;
                else if (_unknownId >= 0) symbols[count++] = _unknownId;
            }
            count = _bpe.Apply(symbols[..count]);
            for (int i = 0; i < count; i++) ids.Add(symbols[i]);
        }
        finally
        {
            if (rentedBytes is not null) ArrayPool<byte>.Shared.Return(rentedBytes);
            if (rentedSymbols is not null) ArrayPool<int>.Shared.Return(rentedSymbols);
            if (rentedChars is not null) ArrayPool<char>.Shared.Return(rentedChars);
        }
    }
}
