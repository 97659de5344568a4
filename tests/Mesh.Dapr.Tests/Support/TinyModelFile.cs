using Mesh.Engine.Model;
using Mesh.Engine.Tokenization;

namespace Mesh.Dapr.Tests;

/// <summary>
/// The generated "tiny" Llama (vocabulary 512 with byte pieces, 2 layers) as GGUF with a zephyr chat template, in a
/// temporary folder for one test class, and its tokenizer.
/// </summary>
public sealed class TinyModelFile : IDisposable
{
    /// <summary>The name services serve it under in these tests.</summary>
    public const string Name = "tiny-dapr";

    private readonly string _folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mesh-dapr-" + Guid.NewGuid().ToString("N"));
    private readonly Lazy<LoadedModel> _loaded;

    public TinyModelFile()
    {
        Directory.CreateDirectory(_folder);
        Path = System.IO.Path.Combine(_folder, "tiny.gguf");
        ModelCreator.Create(ModelCreateOptions.Preset("tiny") with
        {
            Seed = 11,
            ChatTemplate = "{% for m in messages %}<|user|>\n{{ m['content'] }}</s>\n{% endfor %}<|assistant|>\n",
            Out = Path,
        });
        _loaded = new Lazy<LoadedModel>(() => ModelLoader.Load(Path));
    }

    /// <summary>The .gguf file.</summary>
    public string Path { get; }

    /// <summary>The loaded model (weights memory-mapped), for references and its tokenizer.</summary>
    public LoadedModel Model => _loaded.Value;

    public MeshTokenizer Tokenizer => Model.Tokenizer;

    public void Dispose()
    {
        if (_loaded.IsValueCreated) _loaded.Value.Dispose();
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
