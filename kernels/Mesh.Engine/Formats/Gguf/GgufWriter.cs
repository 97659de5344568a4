using System.Text;
using Mesh.Kernels;

namespace Mesh.Engine.Formats.Gguf;

/// <summary>Writes a GGUF v3 file: metadata of any value type, then tensors of any
/// <see cref="TensorType"/> laid out at multiples of the alignment. Tensor bytes come either as a
/// buffer or from a callback that streams them, so multi-GB models never sit in memory whole.</summary>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly List<PendingTensor> _tensors = [];

    private sealed record PendingTensor(string Name, TensorType Type, long[] Dimensions, long ByteLength, Action<Stream> Write);

    /// <summary>Data alignment; written as <c>general.alignment</c> when it is not the default 32.</summary>
    public int Alignment { get; init; } = GgufFile.DefaultAlignment;

    public void AddMetadata(string key, GgufValue value)
    {
        if (key == GgufFile.AlignmentKey)
            throw new ArgumentException($"set {nameof(Alignment)} instead of {GgufFile.AlignmentKey}");
        if (_metadata.Exists(kv => kv.Key == key))
            throw new ArgumentException($"metadata key {key} added twice");
        _metadata.Add(new(key, value));
    }

    /// <summary>Wraps the CLR value with <see cref="GgufValue.From"/>.</summary>
    public void AddMetadata(string key, object value) => AddMetadata(key, GgufValue.From(value));

    /// <summary>A tensor with its bytes already in memory. <paramref name="dimensions"/> is GGML's
    /// <c>ne</c>, fastest first (<c>[cols, rows]</c> for a matrix).</summary>
    public void AddTensor(string name, TensorType type, long[] dimensions, ReadOnlyMemory<byte> data)
    {
        long expected = TensorTypes.ByteSize(type, Elements(dimensions));
        if (data.Length != expected)
            throw new ArgumentException($"tensor {name}: {data.Length} bytes given, {type} {string.Join('x', dimensions)} needs {expected}");
        AddTensor(name, type, dimensions, s => s.Write(data.Span));
    }

    /// <summary>A tensor whose bytes <paramref name="write"/> streams at write time; it must write
    /// exactly the tensor's byte length.</summary>
    public void AddTensor(string name, TensorType type, long[] dimensions, Action<Stream> write)
    {
        if (_tensors.Exists(t => t.Name == name))
            throw new ArgumentException($"tensor {name} added twice");
        if (dimensions.Length is 0 or > 4)
            throw new ArgumentException($"tensor {name} has {dimensions.Length} dimensions (1 to 4 are allowed)");
        long bytes = TensorTypes.ByteSize(type, Elements(dimensions));
        _tensors.Add(new PendingTensor(name, type, (long[])dimensions.Clone(), bytes, write));
    }

    private static long Elements(long[] dimensions)
    {
        long n = 1;
        foreach (long d in dimensions) n = checked(n * d);
        return n;
    }

    public void WriteTo(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteTo(stream);
    }

    /// <summary>Writes the whole file; <paramref name="stream"/> must report its position.</summary>
    public void WriteTo(Stream stream)
    {
        var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(GgufFile.Magic);
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        bool writeAlignment = Alignment != GgufFile.DefaultAlignment;
        w.Write((ulong)(_metadata.Count + (writeAlignment ? 1 : 0)));
        if (writeAlignment)
        {
            WriteString(w, GgufFile.AlignmentKey);
            WriteValue(w, GgufValue.From((uint)Alignment));
        }
        foreach (var (key, value) in _metadata)
        {
            WriteString(w, key);
            WriteValue(w, value);
        }

        long offset = 0;
        foreach (var t in _tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Dimensions.Length);
            foreach (long d in t.Dimensions) w.Write((ulong)d);
            w.Write((uint)t.Type);
            w.Write((ulong)offset);
            offset = GgufFile.AlignUp(offset + t.ByteLength, Alignment);
        }
        w.Flush();
        Pad(stream, stream.Position);

        long dataStart = stream.Position;
        foreach (var t in _tensors)
        {
            long before = stream.Position;
            t.Write(stream);
            long written = stream.Position - before;
            if (written != t.ByteLength)
                throw new InvalidOperationException($"tensor {t.Name}: the writer wrote {written} bytes, {t.ByteLength} expected");
            Pad(stream, stream.Position - dataStart);
        }
        stream.Flush();
    }

    private void Pad(Stream stream, long position)
    {
        long pad = GgufFile.AlignUp(position, Alignment) - position;
        for (long i = 0; i < pad; i++) stream.WriteByte(0);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValue v)
    {
        w.Write((uint)v.Type);
        WritePayload(w, v.Type, v.Value);
    }

    private static void WritePayload(BinaryWriter w, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: w.Write((byte)value); break;
            case GgufValueType.Int8: w.Write((sbyte)value); break;
            case GgufValueType.UInt16: w.Write((ushort)value); break;
            case GgufValueType.Int16: w.Write((short)value); break;
            case GgufValueType.UInt32: w.Write((uint)value); break;
            case GgufValueType.Int32: w.Write((int)value); break;
            case GgufValueType.Float32: w.Write((float)value); break;
            case GgufValueType.Bool: w.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(w, (string)value); break;
            case GgufValueType.UInt64: w.Write((ulong)value); break;
            case GgufValueType.Int64: w.Write((long)value); break;
            case GgufValueType.Float64: w.Write((double)value); break;
            case GgufValueType.Array:
                var array = (GgufArray)value;
                w.Write((uint)array.ElementType);
                w.Write((ulong)array.Items.Length);
                foreach (object item in array.Items) WritePayload(w, array.ElementType, item);
                break;
            default: throw new ArgumentException($"unknown GGUF value type {(uint)type}");
        }
    }
}
