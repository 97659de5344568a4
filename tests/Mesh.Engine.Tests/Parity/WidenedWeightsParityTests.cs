using Xunit.Abstractions;

namespace Mesh.Engine.Tests.Parity;

/// <summary>Mesh on an F16 or Q8_0 file against llama.cpp on the same weights widened to F32 (decoded
/// by the test, not by Mesh). Mesh runs in the exact mode here (<c>QuantizeQ8Activations = false</c>:
/// F32 activations whatever the weight type; the default would round Q8_0 products' activations, which
/// llama.cpp on F32 weights does not), so this holds Mesh's F16/Q8_0 decoding and matmuls to the F32
/// tolerance, and its greedy tokens to exact agreement.</summary>
public sealed class WidenedWeightsParityTests(ParityModels models, ITestOutputHelper output) : IClassFixture<ParityModels>
{
    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Logits_match_llama_cpp_on_the_f32_values(string name)
    {
        var (c, narrow, wide) = Open(name);
        foreach (int[] prompt in ParityPrompts.All(narrow.VocabSize))
        {
            var d = LogitDistance.Between(narrow.ExactEngine.LastLogits(prompt), wide.Reference.LastLogits(prompt));
            output.WriteLine($"{name} vs llama.cpp on its F32 copy, prompt {prompt.Length,2}: {d}");
            c.WithF32Tolerance.AssertWithin(d, $"{prompt.Length}-token prompt against the F32 copy");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Greedy_tokens_match_llama_cpp_on_the_f32_values(string name)
    {
        var (_, narrow, wide) = Open(name);
        foreach (int[] prompt in ParityPrompts.All(narrow.VocabSize))
        {
            var g = GreedyComparison.Run(narrow.ExactEngine, wide.Reference, prompt, GreedyParityTests.Steps);
            output.WriteLine($"{name} vs F32 copy {g.Summary}");
            Assert.True(g.FirstDifference < 0, $"{name}, {prompt.Length}-token prompt: parted at step {g.FirstDifference}; {g.Tokens}");
        }
    }

    private (ParityCase Case, ParityPair Narrow, ParityPair Wide) Open(string name)
    {
        var c = ParityCase.Named(name);
        var narrow = models.Open(c, out string? skip);
        Skip.If(narrow is null, skip);
        string key = name + "-widened", path = models.ScratchPath(key);
        if (!File.Exists(path)) GgufRewrite.WidenToF32(narrow.Path, path);
        var wide = models.Open(key, path, out skip);
        Skip.If(wide is null, skip);
        return (c, narrow, wide);
    }

    public static TheoryData<string> Cases => ParityCase.Names(c => !c.IsF32);
}
