using Mesh.Kernels;
using Mesh.Engine.Model;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tests.Support;

namespace Mesh.Engine.Tests.Parity;

/// <summary>The parity models of one test class: each made once by <see cref="ModelCreator"/> in a
/// temporary folder (deleted at the end), then opened by both Mesh and llama.cpp on first use.</summary>
public sealed class ParityModels : IDisposable
{
    /// <summary>Positions the llama.cpp context holds: the longest prompt plus a greedy run.</summary>
    public const int ContextSize = 128;

    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-parity-").FullName;
    private readonly Dictionary<string, ParityPair> _pairs = new();

    /// <summary>The case's model opened on both sides; null with <paramref name="skip"/> set when the
    /// file is absent or llama.cpp cannot run.</summary>
    internal ParityPair? Open(ParityCase c, out string? skip)
    {
        if (_pairs.TryGetValue(c.Name, out var pair)) { skip = null; return pair; }
        string? path = c.Options is { } o ? MakeFile(c.Name, o) : TestModels.Stories260K;
        if (path is null) { skip = TestModels.NoSharedData; return null; }
        return Open(c.Name, path, out skip);
    }

    /// <summary>Opens an arbitrary GGUF (e.g. a deliberately altered copy) under <paramref name="key"/>.</summary>
    internal ParityPair? Open(string key, string path, out string? skip)
    {
        if (_pairs.TryGetValue(key, out var pair)) { skip = null; return pair; }
        var reference = LlamaCppReference.TryLoad(path, ContextSize, out skip);
        if (reference is null) return null;
        var model = ModelLoader.Load(path);
        var engine = new InferenceEngine(model, new EngineOptions { Threads = 2, MaxSequences = 1, MaxContext = ContextSize, KvCacheType = KvCacheType.F32 });
        pair = new ParityPair(path, model, engine, reference);
        _pairs[key] = pair;
        return pair;
    }

    /// <summary>A file in this fixture's temporary folder, made from <paramref name="options"/>.</summary>
    internal string MakeFile(string key, ModelCreateOptions options)
    {
        string path = ScratchPath(key);
        if (!File.Exists(path)) ModelCreator.Create(options with { Out = path, Format = "gguf" });
        return path;
    }

    /// <summary>A path in the temporary folder for a GGUF file the caller writes.</summary>
    internal string ScratchPath(string key) => Path.Combine(_dir, key + ".gguf");

    public void Dispose()
    {
        foreach (var p in _pairs.Values) p.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
