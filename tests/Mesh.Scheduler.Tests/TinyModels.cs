using Mesh.Engine.Model;

namespace Mesh.Scheduler.Tests;

/// <summary>The "tiny" generated Llama as GGUF and as a Hugging Face folder, both with a zephyr chat template.</summary>
public sealed class TinyModels : IDisposable
{
    private const string Template = "{% for m in messages %}<|user|>\n{{ m['content'] }}</s>\n{% endfor %}<|assistant|>\n";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mesh-sched-" + Guid.NewGuid().ToString("N"));

    public TinyModels()
    {
        Directory.CreateDirectory(_folder);
        Gguf = Path.Combine(_folder, "tiny.gguf");
        HuggingFace = Path.Combine(_folder, "tiny-hf");
        ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { Seed = 3, ChatTemplate = Template, Out = Gguf });
        ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { Seed = 3, ChatTemplate = Template, Format = "safetensors", Out = HuggingFace });
    }

    public string Gguf { get; }

    public string HuggingFace { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up.
        }
    }
}
