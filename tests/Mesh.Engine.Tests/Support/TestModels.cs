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

    /// <summary>The "tiny" preset (GQA 4/2, tied, vocab 512) as GGUF F32 with seed 7.</summary>
    public string Tiny => Path("tiny", ModelCreateOptions.Preset("tiny") with { Seed = 7 });

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>The repository's sibling <c>shared/data</c> folder, or null when absent: searched
    /// upward from the test binaries, then from this source file (for builds whose artifacts live
    /// outside the repository).</summary>
    public static string? SharedData() => SharedDataAbove(AppContext.BaseDirectory) ?? SharedDataAbove(SourceDirectory());

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        System.IO.Path.GetDirectoryName(path) ?? "/";

    private static string? SharedDataAbove(string start)
    {
        for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            foreach (string candidate in new[] { System.IO.Path.Combine(dir.FullName, "shared", "data"), System.IO.Path.Combine(dir.FullName, "..", "shared", "data") })
                if (Directory.Exists(candidate)) return System.IO.Path.GetFullPath(candidate);
        return null;
    }

    /// <summary>stories260K.gguf from shared/data, or null (tests skip saying so).</summary>
    public static string? Stories260K =>
        SharedData() is { } d && File.Exists(System.IO.Path.Combine(d, "models", "stories260K", "stories260K.gguf"))
            ? System.IO.Path.Combine(d, "models", "stories260K", "stories260K.gguf") : null;

    public const string NoSharedData = "../shared/data/models/stories260K is not present beside the repository";
}
