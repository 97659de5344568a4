using System.Runtime.CompilerServices;

namespace Mesh.Engine.Tests.Tokenization;

/// <summary>Where the shared real data lives (<c>../shared/data</c> beside the repository), found by
/// walking up from the test binaries; null when absent.</summary>
internal static class TokenizationTestData
{
    public static readonly string? SharedData = Locate();

    public static string Stories260KGguf => Path.Combine(SharedData ?? "/nonexistent", "models", "stories260K", "stories260K.gguf");

    public const string MissingStories = "shared/data/models/stories260K/stories260K.gguf is absent";

    /// <summary>From the test binaries, then from this source file (for builds whose artifacts
    /// live outside the repository).</summary>
    private static string? Locate() => LocateFrom(AppContext.BaseDirectory) ?? LocateFrom(SourceDirectory());

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? "/";

    private static string? LocateFrom(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            string inside = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(inside)) return inside;
            string beside = Path.Combine(dir.FullName, "..", "shared", "data");
            if (Directory.Exists(beside)) return Path.GetFullPath(beside);
        }
        return null;
    }
}
