using System.Buffers.Binary;
using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>
/// The value stored under a block's Redis key: a 32-byte little-endian header, then the payload.
/// <code>
/// [0..4)   magic "MKVB"
/// [4]      format version (1)
/// [5]      flags: bit 0 = parent present
/// [6..8)   reserved, 0
/// [8..16)  payload length
/// [16..24) xxHash64 of the payload
/// [24..32) parent block hash (0 when absent)
/// </code>
/// </summary>
internal static class RedisBlockFormat
{
    public const int HeaderBytes = 32;
    public const byte Version = 1;
    private const uint Magic = 0x42564B4D; // "MKVB" little-endian
    private const byte HasParent = 1;

    /// <summary>Header and payload in one array, ready for SET.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> payload, BlockHash? parent)
    {
        byte[] value = new byte[HeaderBytes + payload.Length];
        Span<byte> header = value.AsSpan(0, HeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        header[4] = Version;
        header[5] = parent is null ? (byte)0 : HasParent;
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], (ulong)payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], BlockChecksum.Compute(payload));
        BinaryPrimitives.WriteUInt64LittleEndian(header[24..], parent?.Value ?? 0);
        payload.CopyTo(value.AsSpan(HeaderBytes));
        return value;
    }

    /// <summary>
    /// The payload (a slice of <paramref name="value"/>, no copy) and parent, when the header is intact and the
    /// checksum matches; otherwise false with the reason in <paramref name="problem"/>.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> value, out ReadOnlyMemory<byte> payload, out BlockHash? parent, out string problem)
    {
        payload = default;
        parent = null;
        ReadOnlySpan<byte> span = value.Span;
        if (span.Length < HeaderBytes)
        {
            problem = $"value has {span.Length} bytes, less than the {HeaderBytes}-byte header";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(span) != Magic || span[4] != Version)
        {
            problem = $"header is not MKVB version {Version}";
            return false;
        }
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(span[8..]);
        if (length != (ulong)(span.Length - HeaderBytes))
        {
            problem = $"header says {length} payload bytes, value holds {span.Length - HeaderBytes}";
            return false;
        }
        ulong expected = BinaryPrimitives.ReadUInt64LittleEndian(span[16..]);
        ulong actual = BlockChecksum.Compute(span[HeaderBytes..]);
        if (expected != actual)
        {
            problem = $"checksum {BlockChecksum.Format(actual)} differs from the stored {BlockChecksum.Format(expected)}";
            return false;
        }
        if ((span[5] & HasParent) != 0) parent = new BlockHash(BinaryPrimitives.ReadUInt64LittleEndian(span[24..]));
        payload = value[HeaderBytes..];
        problem = "";
        return true;
    }
}
