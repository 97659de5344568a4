using Mesh.Engine.Model;

namespace Mesh.Bench.Tests.Support;

/// <summary>The "tiny" generated Llama (vocab 512, 2 layers) as GGUF in a temporary folder, once per test class.</summary>
public sealed class TinyTraceModel : IDisposable
{
    private readonly string _folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mesh-bench-trace-" + Guid.NewGuid().ToString("N"));

    public TinyTraceModel()
    {
        Directory.CreateDirectory(_folder);
        Path = System.IO.Path.Combine(_folder, "tiny.gguf");
        ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { Seed = 5, Out = Path });
    }

    /// <summary>The .gguf file.</summary>
    public string Path { get; }

    /// <summary>A file named <paramref name="name"/> in the class's temporary folder.</summary>
    public string File(string name) => System.IO.Path.Combine(_folder, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A mapped file can outlive the test on some systems; the temp folder is cleaned up by the OS.
        }
    }
}
