using Mesh.Engine.Model;
using Mesh.Kernels;

namespace Mesh.Engine.Formats.Gguf;

/// <summary>A GGUF file (versions 2 and 3), memory-mapped: its metadata, tensor infos and a
/// pointer to each tensor's bytes. Every tensor is checked to lie inside the file and to have a
/// known GGML type; whether that type can run is the model loader's question.</summary>
public sealed unsafe class GgufFile : IDisposable
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;
    public const int DefaultAlignment = 32;
    public const string AlignmentKey = "general.alignment";

    private readonly MappedFile _file;
    private readonly Dictionary<string, GgufTensorInfo> _byName;

    public string Path => _file.Path;
    public uint Version { get; }
    public int Alignment { get; }
    /// <summary>Absolute file offset of the (aligned) data section.</summary>
    public long DataOffset { get; }
    public long FileLength => _file.Length;
    /// <summary>Metadata in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> MetadataList { get; }
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }
    /// <summary>Tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    private GgufFile(MappedFile file, uint version, List<KeyValuePair<string, GgufValue>> metadata,
        List<GgufTensorInfo> tensors, int alignment, long dataOffset)
    {
        _file = file;
        Version = version;
        MetadataList = metadata;
        Metadata = metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name);
        Alignment = alignment;
        DataOffset = dataOffset;
    }

    /// <summary>Maps and parses <paramref name="path"/>; throws <see cref="ModelFormatException"/>
    /// (message starting with the path) when the file is not a valid GGUF v2/v3 file.</summary>
    public static GgufFile Open(string path)
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

    private static GgufFile Parse(MappedFile file)
    {
        string path = file.Path;
        if (file.Length < 4 || *(uint*)file.Pointer != Magic)
            throw new ModelFormatException($"{path}: not a GGUF file: wrong magic (the first bytes are not \"GGUF\")");
        var c = new GgufCursor(file, 4);
        uint version = c.ReadU32("the version");
        if (version == 1)
            throw new ModelFormatException($"{path}: GGUF version 1 is not supported (only versions 2 and 3)");
        if (version is not (2 or 3))
        {
            string hint = (version & 0xFFFF) == 0 ? " (a big-endian file?)" : "";
            throw new ModelFormatException($"{path}: GGUF version {version} is not supported (only versions 2 and 3){hint}");
        }
        long tensorCount = c.ReadCount("the tensor count", 24);
        long kvCount = c.ReadCount("the metadata count", 13);

        var metadata = new List<KeyValuePair<string, GgufValue>>((int)kvCount);
        var keys = new HashSet<string>();
        for (long i = 0; i < kvCount; i++)
        {
            string key = c.ReadString($"metadata key #{i}");
            var type = (GgufValueType)c.ReadU32(key);
            if (!keys.Add(key))
                throw new ModelFormatException($"{path}: metadata key {key} appears twice");
            metadata.Add(new(key, c.ReadValue(type, key)));
        }

        int alignment = ReadAlignment(path, metadata);
        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        var names = new HashSet<string>();
        for (long i = 0; i < tensorCount; i++)
        {
            var info = ReadTensorInfo(ref c, path, i);
            if (!names.Add(info.Name))
                throw new ModelFormatException($"{path}: tensor {info.Name} appears twice");
            tensors.Add(info);
        }

        long dataOffset = AlignUp(c.Position, alignment);
        foreach (var t in tensors)
        {
            if (t.Offset % alignment != 0)
                throw new ModelFormatException($"{path}: tensor {t.Name} starts at data offset {t.Offset}, which is not a multiple of the alignment {alignment}");
            long end = dataOffset + t.Offset + t.ByteLength;
            if (end > file.Length)
                throw new ModelFormatException($"{path}: truncated: tensor {t.Name} needs bytes up to {end} but the file has {file.Length}");
        }
        return new GgufFile(file, version, metadata, tensors, alignment, dataOffset);
    }

    private static int ReadAlignment(string path, List<KeyValuePair<string, GgufValue>> metadata)
    {
        foreach (var kv in metadata)
        {
            if (kv.Key != AlignmentKey) continue;
            long? a = kv.Value.AsInteger();
            if (a is not > 0 || (a & (a - 1)) != 0 || a > 1 << 20)
                throw new ModelFormatException($"{path}: {AlignmentKey} = {kv.Value.Value} is not a power of two");
            return (int)a.Value;
        }
        return DefaultAlignment;
    }

    private static GgufTensorInfo ReadTensorInfo(ref GgufCursor c, string path, long index)
    {
        string name = c.ReadString($"tensor info #{index}");
        uint nDims = c.ReadU32(name);
        if (nDims is 0 or > 4)
            throw new ModelFormatException($"{path}: tensor {name} has {nDims} dimensions (1 to 4 are allowed)");
        var ne = new long[nDims];
        for (int d = 0; d < nDims; d++)
        {
            ulong n = c.ReadU64(name);
            if (n == 0 || n > int.MaxValue)
                throw new ModelFormatException($"{path}: tensor {name} has dimension {d} of size {n}");
            ne[d] = (long)n;
        }
        uint typeId = c.ReadU32(name);
        if (!TensorTypes.IsKnown(typeId))
            throw new ModelFormatException($"{path}: tensor {name} has unknown tensor type id {typeId}");
        var type = (TensorType)typeId;
        if (ne[0] % TensorTypes.BlockElements(type) != 0)
            throw new ModelFormatException(
                $"{path}: tensor {name} has {ne[0]} columns, not a whole number of {type} blocks of {TensorTypes.BlockElements(type)}");
        ulong offset = c.ReadU64(name);
        if (offset > long.MaxValue / 2)
            throw new ModelFormatException($"{path}: tensor {name} has data offset {offset}, past any file");
        return new GgufTensorInfo(name, ne, type, (long)offset);
    }

    internal static long AlignUp(long x, int alignment) => (x + alignment - 1) / alignment * alignment;

    public GgufTensorInfo? FindTensor(string name) => _byName.GetValueOrDefault(name);

    /// <summary>First byte of <paramref name="tensor"/>'s data; valid while this file is open.</summary>
    public byte* TensorData(GgufTensorInfo tensor) => _file.Pointer + DataOffset + tensor.Offset;

    /// <summary>The tensor's bytes (tensors over 2 GiB need <see cref="TensorData"/>).</summary>
    public ReadOnlySpan<byte> TensorBytes(GgufTensorInfo tensor) =>
        new(TensorData(tensor), checked((int)tensor.ByteLength));

    public string? GetString(string key) => Metadata.GetValueOrDefault(key)?.Value as string;
    public long? GetInteger(string key) => Metadata.GetValueOrDefault(key)?.AsInteger();
    public double? GetReal(string key) => Metadata.GetValueOrDefault(key)?.AsReal();
    public bool? GetBool(string key) => Metadata.GetValueOrDefault(key)?.Value as bool?;

    /// <summary>The items of an array value when they are of CLR type <typeparamref name="T"/>; null otherwise.</summary>
    public T[]? GetArray<T>(string key) => (Metadata.GetValueOrDefault(key)?.Value as GgufArray)?.Items as T[];

    public void Dispose() => _file.Dispose();
}
