using Mesh.Kernels;

namespace Mesh.Engine.Formats;

/// <summary>A tensor as a model file holds it, format-neutral: <see cref="Shape"/> outermost first
/// (<c>[rows, cols]</c> for a matrix), bytes in the file's mapping.</summary>
internal readonly unsafe struct StoredTensor(string name, TensorType type, long[] shape, byte* data, long byteLength)
{
    public string Name { get; } = name;
    public TensorType Type { get; } = type;
    public long[] Shape { get; } = shape;
    public byte* Data { get; } = data;
    public long ByteLength { get; } = byteLength;

    public ReadOnlySpan<byte> Bytes => new(Data, checked((int)ByteLength));

    /// <summary>Same type, shape and bytes. Compares the first 4 KiB before the rest, so two
    /// different tensors are told apart without reading them whole.</summary>
    public bool SameContent(StoredTensor other)
    {
        if (Type != other.Type || ByteLength != other.ByteLength || !Shape.AsSpan().SequenceEqual(other.Shape)) return false;
        long at = 0;
        for (int n = (int)Math.Min(4096, ByteLength); n > 0; at += n, n = (int)Math.Min(1 << 20, ByteLength - at))
            if (!new ReadOnlySpan<byte>(Data + at, n).SequenceEqual(new ReadOnlySpan<byte>(other.Data + at, n))) return false;
        return true;
    }
}
