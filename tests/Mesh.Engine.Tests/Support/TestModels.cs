using Mesh.Engine.Model;

namespace Mesh.Engine.Tests.Support;

/// <summary>Generated models shared by the tests of one class: written once into a temporary
/// folder by the project's own <see cref="ModelCreator"/>, loaded on demand, deleted at the end.</summary>
public sealed class TestModels : IDisposable
{
    private readonly string _dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mesh-models-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _paths = new();
    private readonly object _gate = new();

    public TestModels() => Directory.CreateDirectory(_dir);

    /// <summary>The path of a model made from <paramref name="options"/> (Out is filled in).</summary>
    public string Path(string key, ModelCreateOptions options)
    {
        lock (_gate)
        {
            if (_paths.TryGetValue(key, out var p)) return p;
            p = System.IO.Path.Combine(_dir, options.Format == "gguf" ? key + ".gguf" : key);
            ModelCreator.Create(options with { Out = p });
            _paths[key] = p;
            return p;
        }
    }

    /// <summary>The "tiny" preset (GQA 4/2, tied, vocab 512) as GGUF F32 with seed 3 (a seed whose greedy
    /// output varies: 20 distinct tokens in 24 steps, so equivalence tests compare real sequences).</summary>
    public string Tiny => Path("tiny", ModelCreateOptions.Preset("tiny") with { Seed = 3 });

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>stories260K.gguf from shared/data, or null (tests skip saying so).</summary>
    public static string? Stories260K => SharedData.Stories260K;

    public const string NoSharedData = SharedData.MissingStories;
}
