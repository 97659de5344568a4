using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;

namespace Mesh.Engine.Tests.Formats;

/// <summary>The random models run: the GGUF (interleaved RoPE) and safetensors (rotate-half RoPE,
/// permuted Q/K rows) copies of one seed compute the same logits, and greedy decoding moves.</summary>
public class CreatedModelRunTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static InferenceEngine Engine(LoadedModel m) =>
        new(m, new EngineOptions { Threads = 1, MaxSequences = 1, MaxContext = 128, ReferenceKernels = true });

    [Theory]
    [InlineData("tiny")]
    [InlineData("small")]
    public void Gguf_and_safetensors_copies_compute_the_same_logits(string preset)
    {
        var o = ModelCreateOptions.Preset(preset) with { Seed = 21 };
        using var g = ModelLoader.Load(ModelCreator.Create(o with { Out = _dir.File(preset + ".gguf") }));
        using var h = ModelLoader.Load(ModelCreator.Create(o with { Format = "safetensors", Out = _dir.File(preset) }));
        using var ge = Engine(g);
        using var he = Engine(h);
        int[] prompt = g.Tokenizer.Encode("Once upon a time there was a little dog", addBos: true);
        float[] a = ge.LastLogits(prompt);
        float[] b = he.LastLogits(prompt);
        double maxDiff = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(maxDiff < 1e-3, $"logits differ by up to {maxDiff}");
        double mean = a.Average();
        double std = Math.Sqrt(a.Average(x => (x - mean) * (x - mean)));
        Assert.InRange(std, 0.5, 5.0);
    }

    [Theory]
    [InlineData("tiny", true)]
    [InlineData("tiny", false)]
    [InlineData("small", true)]
    public void Greedy_decoding_of_a_random_model_is_not_constant(string preset, bool tied)
    {
        var o = ModelCreateOptions.Preset(preset) with { Seed = 3, TiedEmbeddings = tied };
        using var m = ModelLoader.Load(ModelCreator.Create(o with { Out = _dir.File("greedy.gguf") }));
        using var engine = Engine(m);
        var result = Generation.Run(engine, m.Tokenizer.Encode("The cat", addBos: true), SamplingParams.Greedy(40) with { IgnoreEos = true });
        Assert.Equal(40, result.Ids.Length);
        int distinct = result.Ids.Distinct().Count();
        Assert.True(distinct >= 20, $"greedy output uses only {distinct} distinct tokens: {string.Join(' ', result.Ids)}");
    }
}
