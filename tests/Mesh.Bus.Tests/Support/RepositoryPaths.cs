using System.Reflection;

namespace Mesh.Bus.Tests;

/// <summary>Locates the repository: walk up from the test binaries to Mesh.sln, else the folder recorded at build time.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Find();

    public static string Combine(string relative) => Path.GetFullPath(Path.Combine(Root, relative));

    private static string Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
        string? recorded = typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        return recorded is not null && File.Exists(Path.Combine(recorded, "Mesh.sln"))
            ? recorded
            : throw new DirectoryNotFoundException($"No Mesh.sln above {AppContext.BaseDirectory} nor at the build-time root '{recorded}'.");
    }
}
