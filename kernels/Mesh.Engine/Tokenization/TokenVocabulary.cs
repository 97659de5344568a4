using System.Globalization;
using System.Text;

namespace Mesh.Engine.Tokenization;

/// <summary>The pieces of a vocabulary by id, their types, and the bytes each id decodes to.</summary>
internal sealed class TokenVocabulary
{
    public const char SentencePieceSpace = '\u2581';

    public string[] Pieces { get; }
    public TokenType[] Types { get; }
    /// <summary>False when the source gave no token types (all were taken as normal).</summary>
    public bool HasTypeInfo { get; }
    /// <summary>Piece text → id (the lowest id when a piece repeats).</summary>
    public Dictionary<string, int> Ids { get; }
    /// <summary>[vocab] the UTF-8 bytes each id decodes to: empty for control, unknown and unused ids.</summary>
    public byte[][] DecodeBytes { get; }
    /// <summary>Cuts input at control, unknown and user-defined pieces.</summary>
    public SpecialTokenSplitter Splitter { get; }

    /// <param name="normalPieceBytes">How a normal piece's text becomes bytes (▁ → space for
    /// SentencePiece, the GPT-2 byte map for byte-level BPE).</param>
    public TokenVocabulary(string[] pieces, TokenType[]? types, Func<string, byte[]> normalPieceBytes)
    {
        Pieces = pieces;
        HasTypeInfo = types is not null;
        Types = types ?? Enumerable.Repeat(TokenType.Normal, pieces.Length).ToArray();
        Ids = new Dictionary<string, int>(pieces.Length, StringComparer.Ordinal);
        for (int id = 0; id < pieces.Length; id++) Ids.TryAdd(pieces[id], id);

        DecodeBytes = new byte[pieces.Length][];
        for (int id = 0; id < pieces.Length; id++)
        {
            DecodeBytes[id] = Types[id] switch
            {
                TokenType.Normal => normalPieceBytes(pieces[id]),
                TokenType.UserDefined => Encoding.UTF8.GetBytes(pieces[id]),
                TokenType.Byte when TryParseByte(pieces[id], out byte b) => [b],
                _ => [],
            };
        }

        Splitter = new SpecialTokenSplitter(Enumerable.Range(0, pieces.Length)
            .Where(id => Types[id] is TokenType.Control or TokenType.Unknown or TokenType.UserDefined)
            .Select(id => (pieces[id], id)));
    }

    public int Count => Pieces.Length;

    public int? Find(string piece) => Ids.TryGetValue(piece, out int id) ? id : null;

    /// <summary>Whether the piece is an end-of-generation marker candidate: present and special (or
    /// the vocabulary gives no types to tell).</summary>
    public bool IsSpecialPiece(int id) => !HasTypeInfo || Types[id] is TokenType.Control or TokenType.UserDefined;

    /// <summary>Parses a <c>&lt;0xNN&gt;</c> byte piece.</summary>
    public static bool TryParseByte(string piece, out byte value)
    {
        value = 0;
        return piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>SentencePiece piece text: ▁ stands for a space.</summary>
    public static byte[] SentencePieceBytes(string piece) => Encoding.UTF8.GetBytes(piece.Replace(SentencePieceSpace, ' '));

    /// <summary>Byte-level BPE piece text: each character stands for one byte (GPT-2 map); text
    /// outside the map is kept as its UTF-8.</summary>
    public static byte[] ByteLevelBytes(string piece)
    {
        var bytes = new List<byte>(piece.Length);
        int i = 0;
        while (i < piece.Length)
        {
            if (GptByteMap.TryGetByte(piece[i], out byte b))
            {
                bytes.Add(b);
                i++;
                continue;
            }
            int end = i + 1;
            while (end < piece.Length && !GptByteMap.TryGetByte(piece[end], out _)) end++;
            bytes.AddRange(Encoding.UTF8.GetBytes(piece, i, end - i));
            i = end;
        }
        return bytes.ToArray();
    }
}
