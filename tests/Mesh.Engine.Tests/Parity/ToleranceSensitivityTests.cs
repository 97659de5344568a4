using Xunit.Abstractions;

namespace Mesh.Engine.Tests.Parity;

/// <summary>The parity tolerances are tight enough to catch real bugs: llama.cpp running a copy of
/// the file with a typical engine mistake built in (<see cref="EngineMistake"/>) must be further from
/// Mesh on the true file than the tolerance, on at least one prompt. Checked for the F32 models, for
/// a Q8_0 model through its F32-widened copy (Mesh in the exact mode, the F32 tolerance, as
/// WidenedWeightsParityTests uses), and for the Q8_0 model directly (Mesh's default quantised
/// activations, llama.cpp's scheme) against its tolerance.</summary>
public sealed class ToleranceSensitivityTests(ParityModels models, ITestOutputHelper output) : IClassFixture<ParityModels>
{
    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void A_built_in_mistake_exceeds_the_tolerance(string name, EngineMistake mistake, bool widened)
    {
        var c = ParityCase.Named(name);
        var truth = models.Open(c, out string? skip);
        Skip.If(truth is null, skip);
        string source = truth.Path, key = $"{name}-{mistake}" + (widened ? "-widened" : "");
        if (widened)
        {
            source = models.ScratchPath(name + "-widened-source");
            if (!File.Exists(source)) GgufRewrite.WidenToF32(truth.Path, source);
            c = c.WithF32Tolerance;
        }
        GgufRewrite.Break(source, models.ScratchPath(key), mistake);
        var broken = models.Open(key, models.ScratchPath(key), out skip);
        Skip.If(broken is null, skip);

        // against an F32-widened copy Mesh runs in the exact mode, as WidenedWeightsParityTests does
        var engine = widened ? truth.ExactEngine : truth.Engine;
        var worst = new LogitDistance(0, 0);
        foreach (int[] prompt in ParityPrompts.All(truth.VocabSize))
        {
            var d = LogitDistance.Between(engine.LastLogits(prompt), broken.Reference.LastLogits(prompt));
            output.WriteLine($"{key} prompt {prompt.Length,2}: {d}");
            worst = new LogitDistance(Math.Max(worst.MaxAbs, d.MaxAbs), Math.Max(worst.Nmse, d.Nmse));
        }
        Assert.True(worst.MaxAbs > c.MaxAbs && worst.Nmse > c.Nmse,
            $"{key}: the mistake moves logits only by {worst}, within the tolerance (max-abs {c.MaxAbs:G3}, NMSE {c.Nmse:G3})");
    }

    public static TheoryData<string, EngineMistake, bool> Cases
    {
        get
        {
            var data = new TheoryData<string, EngineMistake, bool>();
            foreach (var m in Enum.GetValues<EngineMistake>())
            {
                data.Add("f32-gqa-tied", m, false);
                data.Add("f32-mha-untied", m, false);
                data.Add("q8_0-gqa-tied", m, true);
                // with activations quantised on both sides even a 2 % norm-gain error (NMSE ≈ 3e-3, which
                // hid in llama.cpp's activation rounding while Mesh kept F32 activations) is far outside
                data.Add("q8_0-gqa-tied", m, false);
            }
            return data;
        }
    }
}
