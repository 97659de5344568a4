using Mesh.Engine.Tests.Parity;
using Xunit.Abstractions;

namespace Mesh.Engine.Tests.Quantized;

/// <summary>The quantised-mode tolerance is tight enough to catch real bugs: llama.cpp running a copy of
/// the Q4_K_M file with a typical engine mistake built in (rows moved as whole blocks, so the copy stays
/// Q4_K/Q6_K) must be further from Mesh on the true file than <see cref="QuantizedCase.QuantisedMode"/>
/// on at least one prompt.</summary>
public sealed class QuantizedToleranceSensitivityTests(QuantizedModels models, ITestOutputHelper output) : IClassFixture<QuantizedModels>
{
    [SkippableTheory]
    [MemberData(nameof(Mistakes))]
    public void A_built_in_mistake_exceeds_the_quantised_tolerance(EngineMistake mistake)
    {
        var c = QuantizedCase.Named("q4_k_m-untied");
        var truth = models.Open(c, out string? skip);
        Skip.If(truth is null, skip);
        string key = $"{c.Name}-{mistake}";
        GgufRewrite.Break(truth.Path, models.ScratchPath(key), mistake);
        var broken = models.Open(key, models.ScratchPath(key), out skip);
        Skip.If(broken is null, skip);

        var worst = new LogitDistance(0, 0);
        foreach (int[] prompt in ParityPrompts.All(truth.VocabSize))
        {
            var d = LogitDistance.Between(truth.Quantised.LastLogits(prompt), broken.Reference.LastLogits(prompt));
            output.WriteLine($"{key} prompt {prompt.Length,2}: {d}");
            worst = new LogitDistance(Math.Max(worst.MaxAbs, d.MaxAbs), Math.Max(worst.Nmse, d.Nmse));
        }
        var t = QuantizedCase.QuantisedMode;
        Assert.True(worst.MaxAbs > t.MaxAbs && worst.Nmse > t.Nmse,
            $"{key}: the mistake moves logits only by {worst}, within the tolerance (max-abs {t.MaxAbs:G3}, NMSE {t.Nmse:G3})");
    }

    public static TheoryData<EngineMistake> Mistakes => new(Enum.GetValues<EngineMistake>());
}
