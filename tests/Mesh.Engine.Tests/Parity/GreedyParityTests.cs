using Xunit.Abstractions;

namespace Mesh.Engine.Tests.Parity;

/// <summary>Mesh's greedy continuations equal llama.cpp's (argmax of its logits, fed back token by
/// token) for 32 steps from every parity prompt: exactly on F32 models; on F16 and Q8_0 models up
/// to the first difference, which must be a near tie — llama.cpp's top two logits closer than twice
/// the case's max-abs tolerance, the most its activation rounding can move their difference — with
/// the logits at that step still within the tolerance.</summary>
public sealed class GreedyParityTests(ParityModels models, ITestOutputHelper output) : IClassFixture<ParityModels>
{
    public const int Steps = 32;

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Greedy_tokens_match_llama_cpp(string name)
    {
        var c = ParityCase.Named(name);
        var pair = models.Open(c, out string? skip);
        Skip.If(pair is null, skip);
        double tieGap = c.IsF32 ? 0 : 2 * c.MaxAbs;

        foreach (int[] prompt in ParityPrompts.All(pair.VocabSize))
        {
            var g = GreedyComparison.Run(pair.Engine, pair.Reference, prompt, Steps);
            output.WriteLine($"{name} {g.Summary}");
            if (g.FirstDifference < 0) continue;
            int step = g.FirstDifference;
            Assert.True(g.Gaps[step] < tieGap,
                $"{name}, {prompt.Length}-token prompt: at step {step} Mesh chose {g.Mesh[step]}, llama.cpp {g.LlamaCpp[step]}, " +
                $"though llama.cpp's top-2 gap {g.Gaps[step]:G3} is no near tie (< {tieGap:G3}); {g.Tokens}");
            var d = LogitDistance.Between(pair.Engine.LastLogits(g.AgreedContext), pair.Reference.LastLogits(g.AgreedContext));
            c.AssertWithin(d, $"logits at the flipped step {step} of the {prompt.Length}-token prompt");
        }
    }

    public static TheoryData<string> Cases => ParityCase.Names();
}
