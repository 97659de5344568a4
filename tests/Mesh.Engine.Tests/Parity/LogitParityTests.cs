using Mesh.Engine.Scheduling;
using Xunit.Abstractions;

namespace Mesh.Engine.Tests.Parity;

/// <summary>Mesh's last-position logits equal llama.cpp's on the same GGUF file, within each
/// weight type's tolerance (<see cref="ParityCase"/>), for prompts spanning one to three KV blocks.</summary>
public sealed class LogitParityTests(ParityModels models, ITestOutputHelper output) : IClassFixture<ParityModels>
{
    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Last_position_logits_match_llama_cpp(string name) => Compare(name, p => p.Engine);

    [SkippableTheory]
    [MemberData(nameof(ReferenceKernelCases))]
    public void Reference_kernels_match_llama_cpp(string name) => Compare(name, p => p.ReferenceKernelsEngine);

    private void Compare(string name, Func<ParityPair, InferenceEngine> engine)
    {
        var c = ParityCase.Named(name);
        var pair = models.Open(c, out string? skip);
        Skip.If(pair is null, skip);

        foreach (int[] prompt in ParityPrompts.All(pair.VocabSize))
        {
            float[] expected = pair.Reference.LastLogits(prompt);
            float[] actual = engine(pair).LastLogits(prompt);
            var d = LogitDistance.Between(actual, expected);
            output.WriteLine($"{name} prompt {prompt.Length,2}: {d}");
            c.AssertWithin(d, $"{prompt.Length}-token prompt");
        }
    }

    public static TheoryData<string> Cases => ParityCase.Names();

    /// <summary>One model of each weight type, plus stories260K.</summary>
    public static TheoryData<string> ReferenceKernelCases =>
        ParityCase.Names(c => c.Name is "f32-gqa-tied" or "f16-mha-tied" or "q8_0-mha-untied" or "stories260K");
}
