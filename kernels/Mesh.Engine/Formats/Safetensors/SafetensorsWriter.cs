using System.Text;
using System.Text.Json;
using Mesh.Kernels;

namespace Mesh.Engine.Formats.Safetensors;

/// <summary>Writes one safetensors file: the JSON header (padded with spaces to a multiple of 8,
/// as the reference implementation does), then each tensor's bytes back to back. Tensor bytes come
/// as a buffer or from a callback that streams them.</summary>
public sealed class SafetensorsWriter
{
    private readonly Dictionary<string, string> _metadata = [];
    private readonly List<(string Name, TensorType Type, long[] Shape, long Bytes, Action<Stream> Write)> _tensors = [];

    public void AddMetadata(string key, string value) => _metadata[key] = value;

    /// <param name="shape">Outermost first: <c>[rows, cols]</c> for a matrix.</param>
    public void AddTensor(string name, TensorType type, long[] shape, ReadOnlyMemory<byte> data)
    {
        long bytes = ByteSize(name, type, shape);
        if (data.Length != bytes)
            throw new ArgumentException($"tensor {name}: {data.Length} bytes given, {type} [{string.Join(", ", shape)}] needs {bytes}");
        AddTensor(name, type, shape, s => s.Write(data.Span));
    }

    /// <summary>A tensor whose bytes <paramref name="write"/> streams at write time.</summary>
    public void AddTensor(string name, TensorType type, long[] shape, Action<Stream> write)
    {
        if (_tensors.Exists(t => t.Name == name))
            throw new ArgumentException($"tensor {name} added twice");
        _tensors.Add((name, type, (long[])shape.Clone(), ByteSize(name, type, shape), write));
    }

    private static long ByteSize(string name, TensorType type, long[] shape)
    {
        if (type is not (TensorType.F32 or TensorType.F16 or TensorType.BF16))
            throw new ArgumentException($"tensor {name}: safetensors holds F32, F16 or BF16, not {type}");
        long n = 1;
        foreach (long d in shape) n = checked(n * d);
        return TensorTypes.ByteSize(type, n);
    }

    public void WriteTo(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteTo(stream);
    }

    public void WriteTo(Stream stream)
    {
        byte[] header = Header();
        stream.Write(BitConverter.GetBytes((ulong)header.Length));
        stream.Write(header);
        foreach (var t in _tensors)
        {
            long before = stream.Position;
            t.Write(stream);
            if (stream.Position - before != t.Bytes)
                throw new InvalidOperationException($"tensor {t.Name}: the writer wrote {stream.Position - before} bytes, {t.Bytes} expected");
        }
        stream.Flush();
    }

    private byte[] Header()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in _metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in _tensors)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.Type.ToString());
                json.WriteStartArray("shape");
                foreach (long d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Bytes;
            }
            json.WriteEndObject();
        }
        int padded = (int)((buffer.Length + 7) / 8 * 8);
        while (buffer.Length < padded) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
