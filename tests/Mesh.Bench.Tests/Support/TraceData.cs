using System.Runtime.CompilerServices;
using Mesh.Bench.Trace;

namespace Mesh.Bench.Tests.Support;

/// <summary>The real traces beside the repository (<c>../shared/data/traces</c>), found from the test binaries or,
/// for builds whose artifacts live outside the repository, from this source file; null when absent.</summary>
public static class TraceData
{
    private static readonly string? Folder = TraceFile.LocateSharedData(AppContext.BaseDirectory, SourceDirectory());

    public static string? AzureConversation => Existing(TraceFile.AzureConversation);

    public static string? AzureCode => Existing(TraceFile.AzureCode);

    public static string? MooncakeConversation => Existing(TraceFile.MooncakeConversation);

    public static string Missing(string relative) => $"../shared/data/{relative} is not present beside the repository";

    private static string? Existing(string relative) =>
        Folder is { } f && File.Exists(Path.Combine(f, relative)) ? Path.Combine(f, relative) : null;

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? "/";
}
