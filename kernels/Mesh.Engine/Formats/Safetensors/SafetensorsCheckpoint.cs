using System.Text.Json;
using Mesh.Engine.Model;

namespace Mesh.Engine.Formats.Safetensors;

/// <summary>The weights of a Hugging Face model folder: <c>model.safetensors</c>, or the shards
/// that <c>model.safetensors.index.json</c>'s <c>weight_map</c> names. Owns every shard's mapping.</summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _shards;
    private readonly Dictionary<string, SafetensorsFile> _owner;

    public string Folder { get; }
    public IReadOnlyList<SafetensorsFile> Shards => _shards;

    private SafetensorsCheckpoint(string folder, List<SafetensorsFile> shards, Dictionary<string, SafetensorsFile> owner)
    {
        Folder = folder;
        _shards = shards;
        _owner = owner;
    }

    /// <summary>Every tensor of every shard, with the shard that holds it.</summary>
    public IEnumerable<(SafetensorsFile File, SafetensorsTensorInfo Tensor)> Tensors =>
        _owner.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Value, kv.Value.Tensors[kv.Key]));

    public static SafetensorsCheckpoint Open(string folder)
    {
        string single = Path.Combine(folder, SingleFile);
        string index = Path.Combine(folder, IndexFile);
        if (File.Exists(single)) return OpenShards(folder, [single], null);
        if (File.Exists(index)) return OpenIndexed(folder, index);
        throw new ModelFormatException($"{folder}: no {SingleFile} or {IndexFile} in the folder");
    }

    private static SafetensorsCheckpoint OpenIndexed(string folder, string index)
    {
        var weightMap = new Dictionary<string, string>();
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
            foreach (var kv in doc.RootElement.GetProperty("weight_map").EnumerateObject())
                weightMap[kv.Name] = kv.Value.GetString() ?? throw new InvalidOperationException($"{kv.Name} maps to null");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ModelFormatException($"{index}: not a safetensors index ({e.Message})", e);
        }
        var shardPaths = weightMap.Values.Distinct().Order(StringComparer.Ordinal).Select(s => Path.Combine(folder, s)).ToList();
        foreach (string shard in shardPaths)
            if (!File.Exists(shard))
                throw new ModelFormatException($"{index}: shard {Path.GetFileName(shard)} is missing");
        return OpenShards(folder, shardPaths, weightMap);
    }

    private static SafetensorsCheckpoint OpenShards(string folder, List<string> paths, Dictionary<string, string>? weightMap)
    {
        var shards = new List<SafetensorsFile>();
        try
        {
            var owner = new Dictionary<string, SafetensorsFile>();
            foreach (string p in paths)
            {
                var shard = SafetensorsFile.Open(p);
                shards.Add(shard);
                foreach (string name in shard.Tensors.Keys)
                    if (!owner.TryAdd(name, shard))
                        throw new ModelFormatException($"{p}: tensor {name} is also in {owner[name].Path}");
            }
            if (weightMap != null)
                foreach (var (name, file) in weightMap)
                    if (!owner.TryGetValue(name, out var shard) || Path.GetFileName(shard.Path) != file)
                        throw new ModelFormatException($"{Path.Combine(folder, IndexFile)}: tensor {name} is not in {file}");
            return new SafetensorsCheckpoint(folder, shards, owner);
        }
        catch
        {
            foreach (var s in shards) s.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var s in _shards) s.Dispose();
    }
}
