using System.Buffers.Binary;
using System.Text;
using Mesh.Engine.Model;

namespace Mesh.Engine.Formats.Gguf;

/// <summary>Reads little-endian GGUF header fields from a mapped file, bounds-checked: reading
/// past the end reports the file as truncated instead of touching unmapped memory.</summary>
internal unsafe struct GgufCursor(MappedFile file, long position)
{
    public long Position { get; private set; } = position;

    private ReadOnlySpan<byte> Take(long count, string what)
    {
        if (count < 0 || count > file.Length - Position)
            throw new ModelFormatException(
                $"{file.Path}: truncated: {what} needs bytes up to {Position + count} but the file has {file.Length}");
        var span = new ReadOnlySpan<byte>(file.Pointer + Position, checked((int)count));
        Position += count;
        return span;
    }

    public byte ReadU8(string what) => Take(1, what)[0];
    public ushort ReadU16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));
    public uint ReadU32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));
    public ulong ReadU64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));
    public long ReadI64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));
    public float ReadF32(string what) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, what));
    public double ReadF64(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, what));

    /// <summary>A count that must fit what is left of the file at <paramref name="minBytesEach"/> bytes per item.</summary>
    public long ReadCount(string what, int minBytesEach)
    {
        ulong n = ReadU64(what);
        long left = file.Length - Position;
        if (n > (ulong)(left / Math.Max(1, minBytesEach)))
            throw new ModelFormatException(
                $"{file.Path}: truncated: {what} says {n} items but only {left} bytes are left in the file");
        return (long)n;
    }

    public string ReadString(string what)
    {
        ulong n = ReadU64(what);
        if (n > (ulong)(file.Length - Position))
            throw new ModelFormatException(
                $"{file.Path}: truncated: {what} is a string of {n} bytes but only {file.Length - Position} bytes are left in the file");
        return Encoding.UTF8.GetString(Take((long)n, what));
    }

    public GgufValue ReadValue(GgufValueType type, string key, int depth = 0) =>
        new(type, ReadPayload(type, key, depth));

    private object ReadPayload(GgufValueType type, string key, int depth) => type switch
    {
        GgufValueType.UInt8 => ReadU8(key),
        GgufValueType.Int8 => (sbyte)ReadU8(key),
        GgufValueType.UInt16 => ReadU16(key),
        GgufValueType.Int16 => (short)ReadU16(key),
        GgufValueType.UInt32 => ReadU32(key),
        GgufValueType.Int32 => (int)ReadU32(key),
        GgufValueType.Float32 => ReadF32(key),
        GgufValueType.Bool => ReadU8(key) != 0,
        GgufValueType.String => ReadString(key),
        GgufValueType.UInt64 => ReadU64(key),
        GgufValueType.Int64 => ReadI64(key),
        GgufValueType.Float64 => ReadF64(key),
        GgufValueType.Array => ReadArray(key, depth),
        _ => throw new ModelFormatException($"{file.Path}: metadata {key} has unknown value type {(uint)type}"),
    };

    private GgufArray ReadArray(string key, int depth)
    {
        if (depth > 8)
            throw new ModelFormatException($"{file.Path}: metadata {key} nests arrays more than 8 deep");
        var elem = (GgufValueType)ReadU32(key);
        int size = ElementSize(elem, key);
        long count = ReadCount(key, size);
        return new GgufArray(elem, elem switch
        {
            GgufValueType.UInt8 => Fill(count, (ref GgufCursor c) => c.ReadU8(key)),
            GgufValueType.Int8 => Fill(count, (ref GgufCursor c) => (sbyte)c.ReadU8(key)),
            GgufValueType.UInt16 => Fill(count, (ref GgufCursor c) => c.ReadU16(key)),
            GgufValueType.Int16 => Fill(count, (ref GgufCursor c) => (short)c.ReadU16(key)),
            GgufValueType.UInt32 => Fill(count, (ref GgufCursor c) => c.ReadU32(key)),
            GgufValueType.Int32 => Fill(count, (ref GgufCursor c) => (int)c.ReadU32(key)),
            GgufValueType.Float32 => Fill(count, (ref GgufCursor c) => c.ReadF32(key)),
            GgufValueType.Bool => Fill(count, (ref GgufCursor c) => c.ReadU8(key) != 0),
            GgufValueType.String => Fill(count, (ref GgufCursor c) => c.ReadString(key)),
            GgufValueType.UInt64 => Fill(count, (ref GgufCursor c) => c.ReadU64(key)),
            GgufValueType.Int64 => Fill(count, (ref GgufCursor c) => c.ReadI64(key)),
            GgufValueType.Float64 => Fill(count, (ref GgufCursor c) => c.ReadF64(key)),
            _ => Fill(count, (ref GgufCursor c) => c.ReadArray(key, depth + 1)),
        });
    }

    private int ElementSize(GgufValueType elem, string key) => elem switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
        GgufValueType.Array => 12,
        _ => throw new ModelFormatException($"{file.Path}: metadata {key} is an array of unknown value type {(uint)elem}"),
    };

    private delegate T ItemReader<T>(ref GgufCursor cursor);

    private T[] Fill<T>(long count, ItemReader<T> read)
    {
        var items = new T[count];
        for (long i = 0; i < count; i++) items[i] = read(ref this);
        return items;
    }
}
