using System.Runtime.CompilerServices;

namespace Mesh.Engine.Tests.Support;

/// <summary>The real data beside the repository (<c>../shared/data</c>): found by walking up from the
/// test binaries, then from this source file (for builds whose artifacts live outside the
/// repository). Tests that need it skip with <see cref="MissingStories"/> when it is absent.</summary>
public static class SharedData
{
    public static readonly string? Folder = Locate(AppContext.BaseDirectory) ?? Locate(SourceDirectory());

    /// <summary>stories260K.gguf, or null when the shared data is absent.</summary>
    public static string? Stories260K =>
        Folder is { } d && File.Exists(Path.Combine(d, "models", "stories260K", "stories260K.gguf"))
            ? Path.Combine(d, "models", "stories260K", "stories260K.gguf") : null;

    public const string MissingStories = "../shared/data/models/stories260K/stories260K.gguf is not present beside the repository";

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? "/";

    private static string? Locate(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            foreach (string candidate in new[] { Path.Combine(dir.FullName, "shared", "data"), Path.Combine(dir.FullName, "..", "shared", "data") })
                if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        return null;
    }
}
