using Mesh.Engine.Formats.Gguf;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Formats;

/// <summary>A unique temporary folder, deleted with everything in it on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mesh-formats-" + Guid.NewGuid().ToString("N"));

    public TempFolder() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A memory map still open on Windows; the OS temp cleaner takes it.
        }
    }
}

internal static class FormatTestFiles
{
    public static string Stories260K => Support.SharedData.Stories260K ?? "/nonexistent/stories260K.gguf";

    /// <summary>Copies a GGUF file, dropping the metadata keys and tensors the filters reject and
    /// optionally replacing tensors (name → type, ne, bytes).</summary>
    public static void Rewrite(string source, string destination, Func<string, bool>? keepKey = null, Func<string, bool>? keepTensor = null,
        Dictionary<string, (TensorType Type, long[] Ne, byte[] Data)>? replace = null)
    {
        using var file = GgufFile.Open(source);
        var w = new GgufWriter { Alignment = file.Alignment };
        foreach (var (key, value) in file.MetadataList)
            if (key != GgufFile.AlignmentKey && (keepKey?.Invoke(key) ?? true))
                w.AddMetadata(key, value);
        foreach (var t in file.Tensors)
        {
            if (!(keepTensor?.Invoke(t.Name) ?? true)) continue;
            if (replace != null && replace.TryGetValue(t.Name, out var r))
                w.AddTensor(t.Name, r.Type, r.Ne, r.Data);
            else
                w.AddTensor(t.Name, t.Type, t.Dimensions, file.TensorBytes(t).ToArray());
        }
        w.WriteTo(destination);
    }
}
