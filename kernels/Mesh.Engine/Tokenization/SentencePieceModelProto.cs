using System.Buffers.Binary;
using System.Text;

namespace Mesh.Engine.Tokenization;

/// <summary>Writes a SentencePiece <c>ModelProto</c> (protobuf wire format, by hand) for a BPE
/// vocabulary with byte fallback, so <c>LlamaTokenizer.Create</c> can read a GGUF vocabulary.
/// Field numbers follow sentencepiece_model.proto: ModelProto{pieces=1, trainer_spec=2,
/// normalizer_spec=3}; SentencePiece{piece=1, score=2, type=3}; TrainerSpec{model_type=3,
/// byte_fallback=35, unk_id=40, bos_id=41, eos_id=42, pad_id=43}; NormalizerSpec{add_dummy_prefix=3,
/// remove_extra_whitespaces=4, escape_whitespaces=5}.</summary>
internal static class SentencePieceModelProto
{
    private const int WireVarint = 0, WireFixed32 = 5, WireLength = 2;
    private const int ModelTypeBpe = 2;

    public static byte[] Build(string[] pieces, float[] scores, TokenType[] types, int unkId, int bosId, int eosId, int padId)
    {
        using var model = new MemoryStream();
        using var piece = new MemoryStream();
        for (int i = 0; i < pieces.Length; i++)
        {
            piece.SetLength(0);
            WriteString(piece, 1, pieces[i]);
            WriteFixed32(piece, 2, BitConverter.SingleToInt32Bits(scores[i]));
            WriteVarintField(piece, 3, (ulong)types[i]);
            WriteMessage(model, 1, piece);
        }

        using var trainer = new MemoryStream();
        WriteVarintField(trainer, 3, ModelTypeBpe);
        WriteVarintField(trainer, 35, 1);
        WriteVarintField(trainer, 40, Int32Varint(unkId));
        WriteVarintField(trainer, 41, Int32Varint(bosId));
        WriteVarintField(trainer, 42, Int32Varint(eosId));
        WriteVarintField(trainer, 43, Int32Varint(padId));
        WriteMessage(model, 2, trainer);

        using var normalizer = new MemoryStream();
        WriteString(normalizer, 1, "identity");
        WriteVarintField(normalizer, 3, 1);
        WriteVarintField(normalizer, 4, 0);
        WriteVarintField(normalizer, 5, 1);
        WriteMessage(model, 3, normalizer);
        return model.ToArray();
    }

    /// <summary>protobuf int32: negative values are sign-extended to 64 bits.</summary>
    private static ulong Int32Varint(int value) => unchecked((ulong)(long)value);

    private static void WriteTag(Stream s, int field, int wire) => WriteVarint(s, (ulong)((field << 3) | wire));

    private static void WriteVarintField(Stream s, int field, ulong value)
    {
        WriteTag(s, field, WireVarint);
        WriteVarint(s, value);
    }

    private static void WriteFixed32(Stream s, int field, int value)
    {
        WriteTag(s, field, WireFixed32);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        s.Write(b);
    }

    private static void WriteString(Stream s, int field, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        WriteTag(s, field, WireLength);
        WriteVarint(s, (ulong)bytes.Length);
        s.Write(bytes);
    }

    private static void WriteMessage(Stream s, int field, MemoryStream message)
    {
        WriteTag(s, field, WireLength);
        WriteVarint(s, (ulong)message.Length);
        s.Write(message.GetBuffer(), 0, (int)message.Length);
    }

    private static void WriteVarint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        s.WriteByte((byte)value);
    }
}
