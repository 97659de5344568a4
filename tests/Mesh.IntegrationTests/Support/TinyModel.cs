using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;

namespace Mesh.IntegrationTests.Support;

/// <summary>
/// The "tiny" generated Llama (vocab 512, 2 layers, GQA 4/2) as GGUF with a zephyr chat template, written once per
/// test class into a temporary folder, and the reference it is checked against: a plain engine running one prompt.
/// </summary>
public sealed class TinyModel : IDisposable
{
    public const string Name = "tiny-test";

    private readonly string _folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mesh-itest-" + Guid.NewGuid().ToString("N"));

    public TinyModel()
    {
        Directory.CreateDirectory(_folder);
        Path = System.IO.Path.Combine(_folder, "tiny.gguf");
        ModelCreator.Create(ModelCreateOptions.Preset("tiny") with
        {
            Seed = 7,
            ChatTemplate = "{% for m in messages %}<|user|>\n{{ m['content'] }}</s>\n{% endfor %}<|assistant|>\n",
            Out = Path,
        });
    }

    /// <summary>The .gguf file.</summary>
    public string Path { get; }

    /// <summary>What <c>mesh generate</c> gives for the prompt: one engine, one sequence, to the end.</summary>
    public GenerationResult Reference(int[] prompt, SamplingParams sampling)
    {
        using LoadedModel model = ModelLoader.Load(Path);
        using var engine = new InferenceEngine(model, new EngineOptions { Threads = 1, BlockSize = Harness.BlockSize, KvBlocks = 256 });
        return Generation.Run(engine, prompt, sampling);
    }

    /// <summary><paramref name="count"/> token ids after BOS, drawn from <paramref name="seed"/> (no special ids).</summary>
    public static int[] Prompt(int seed, int count)
    {
        var random = new Random(seed);
        return [1, .. Enumerable.Range(0, count - 1).Select(_ => random.Next(3, 512))];
    }

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
