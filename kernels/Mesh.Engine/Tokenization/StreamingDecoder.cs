using System.Text;

namespace Mesh.Engine.Tokenization;

/// <summary>Incremental id → text for streaming. <see cref="Append"/> returns the text that became
/// complete with this id (possibly empty); <see cref="Flush"/> returns what is left. Bytes of a
/// character split over several ids (byte-fallback or byte-level pieces) are held back until the
/// character is complete, so the concatenated output equals
/// <see cref="MeshTokenizer.Decode(ReadOnlySpan{int}, bool)"/> of all ids, for any split; control
/// tokens add no text. Not thread-safe: one decoder per sequence.</summary>
public sealed class StreamingDecoder
{
    private readonly MeshTokenizer _tokenizer;
    /// <summary>Holds the bytes of an incomplete UTF-8 sequence between calls.</summary>
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private char[] _chars = new char[32];
    /// <summary>True until the first piece with text (see <see cref="MeshTokenizer.PieceBytes"/>).</summary>
    private bool _stripLeadingSpace;

    internal StreamingDecoder(MeshTokenizer tokenizer, bool atTextStart)
    {
        _tokenizer = tokenizer;
        _stripLeadingSpace = atTextStart && tokenizer.StripsLeadingSpace;
    }

    public string Append(int id)
    {
        ReadOnlySpan<byte> bytes = _tokenizer.PieceBytes(id, ref _stripLeadingSpace);
        return bytes.IsEmpty ? string.Empty : Convert(bytes, flush: false);
    }

    public string Flush() => Convert([], flush: true);

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        // Held-back bytes (≤ 3) can each become one replacement char on flush.
        int needed = bytes.Length + 4;
        if (_chars.Length < needed) _chars = new char[Math.Max(needed, _chars.Length * 2)];
        int count = _utf8.GetChars(bytes, _chars, flush);
        return count == 0 ? string.Empty : new string(_chars, 0, count);
    }
}
