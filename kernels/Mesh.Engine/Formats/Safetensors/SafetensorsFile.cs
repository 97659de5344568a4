using System.Buffers.Binary;
using System.Text.Json;
using Mesh.Engine.Model;
using Mesh.Kernels;

namespace Mesh.Engine.Formats.Safetensors;

/// <summary>One tensor of a safetensors file. <see cref="Begin"/> and <see cref="End"/> count
/// from the first byte after the header; <see cref="Type"/> is null for dtypes Mesh cannot load.</summary>
public sealed record SafetensorsTensorInfo(string Name, string DType, TensorType? Type, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}

/// <summary>A safetensors file, memory-mapped: an 8-byte little-endian header length, a JSON
/// header <c>{name: {dtype, shape, data_offsets}, "__metadata__": {...}}</c>, then the data.</summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MappedFile _file;

    public string Path => _file.Path;
    /// <summary>Absolute file offset of the data section.</summary>
    public long DataOffset { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    private SafetensorsFile(MappedFile file, long dataOffset, Dictionary<string, string> metadata, Dictionary<string, SafetensorsTensorInfo> tensors)
    {
        _file = file;
        DataOffset = dataOffset;
        Metadata = metadata;
        Tensors = tensors;
    }

    public static SafetensorsFile Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            return Parse(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static SafetensorsFile Parse(MappedFile file)
    {
        string path = file.Path;
        if (file.Length < 8)
            throw new ModelFormatException($"{path}: truncated: a safetensors header needs 8 bytes but the file has {file.Length}");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file.Span(0, 8));
        if (headerLength > (ulong)(file.Length - 8) || headerLength > 100_000_000)
            throw new ModelFormatException($"{path}: truncated: the safetensors header needs bytes up to {8 + headerLength} but the file has {file.Length}");
        long dataOffset = 8 + (long)headerLength;
        long dataLength = file.Length - dataOffset;

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(file.Span(8, (int)headerLength).ToArray());
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not a safetensors file: the header is not JSON ({e.Message})", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException($"{path}: not a safetensors file: the header is not a JSON object");
            var metadata = new Dictionary<string, string>();
            var tensors = new Dictionary<string, SafetensorsTensorInfo>();
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind == JsonValueKind.Object)
                        foreach (var m in entry.Value.EnumerateObject())
                            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                var info = ReadTensor(path, entry.Name, entry.Value);
                if (info.End > dataLength)
                    throw new ModelFormatException($"{path}: truncated: tensor {info.Name} needs bytes up to {dataOffset + info.End} but the file has {file.Length}");
                tensors[info.Name] = info;
            }
            return new SafetensorsFile(file, dataOffset, metadata, tensors);
        }
    }

    private static SafetensorsTensorInfo ReadTensor(string path, string name, JsonElement e)
    {
        try
        {
            string dtype = e.GetProperty("dtype").GetString() ?? "";
            long[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            long[] offsets = e.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                throw new ModelFormatException($"{path}: tensor {name} has invalid data_offsets [{string.Join(", ", offsets)}]");
            int elementSize = ElementSize(dtype)
                ?? throw new ModelFormatException($"{path}: tensor {name} has unknown dtype {dtype}");
            long elements = 1;
            foreach (long d in shape)
            {
                if (d < 0) throw new ModelFormatException($"{path}: tensor {name} has a negative dimension");
                elements = checked(elements * d);
            }
            if (offsets[1] - offsets[0] != elements * elementSize)
                throw new ModelFormatException(
                    $"{path}: tensor {name} ({dtype} [{string.Join(", ", shape)}]) needs {elements * elementSize} bytes but its data_offsets span {offsets[1] - offsets[0]}");
            return new SafetensorsTensorInfo(name, dtype, TypeOf(dtype), shape, offsets[0], offsets[1]);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new ModelFormatException($"{path}: tensor {name} has a malformed header entry ({ex.Message})", ex);
        }
    }

    private static TensorType? TypeOf(string dtype) => dtype switch
    {
        "F32" => TensorType.F32,
        "F16" => TensorType.F16,
        "BF16" => TensorType.BF16,
        _ => null,
    };

    private static int? ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" or "F8_E8M0" => 1,
        _ => null,
    };

    /// <summary>First byte of the tensor's data; valid while this file is open.</summary>
    public byte* TensorData(SafetensorsTensorInfo tensor) => _file.Pointer + DataOffset + tensor.Begin;

    public ReadOnlySpan<byte> TensorBytes(SafetensorsTensorInfo tensor) => new(TensorData(tensor), checked((int)tensor.ByteLength));

    public void Dispose() => _file.Dispose();
}
