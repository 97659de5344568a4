using Mesh.Engine.Scheduling;
using Mesh.Kernels;
using Mesh.Engine.Model;
using Mesh.Engine.Tests.Parity;
using Xunit.Abstractions;

namespace Mesh.Engine.Tests.Quantized;

/// <summary>Files quantised by llama.cpp (Q4_0, Q4_K_M, Q5_K_M, Q6_K: K-quants mixed with Q6_K, F32
/// norms) load in their quantised form and compute what llama.cpp computes on them: last-position
/// logits within each activation mode's tolerance (<see cref="QuantizedCase"/>), and 32-step greedy
/// continuations that agree up to a near tie — llama.cpp's top two logits closer than twice the mode's
/// max-abs tolerance.</summary>
public sealed class QuantizedFileParityTests(QuantizedModels models, ITestOutputHelper output) : IClassFixture<QuantizedModels>
{
    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void The_file_loads_with_its_matrices_kept_quantised(string name)
    {
        var c = QuantizedCase.Named(name);
        var pair = Open(c);
        var inFile = pair.Model.Tensors.Select(t => t.Type).ToHashSet();
        output.WriteLine($"{name}: {string.Join(", ", pair.Model.Tensors.GroupBy(t => t.Type).Select(g => $"{g.Key} ×{g.Count()}"))}");
        foreach (var type in c.Types) Assert.Contains(type, inFile);
        var w = pair.Model.Weights;
        var matrices = w.Layers.SelectMany(l => new[] { l.Wq, l.Wk, l.Wv, l.Wo, l.Gate, l.Up, l.Down }).Append(w.Output).Append(w.TokenEmbedding);
        foreach (var m in matrices) Assert.Contains(m.Type, c.Types);
        // Q8_0, Q4_K and Q6_K matrices are then rearranged into panels of the same values (Q8_0x8, Q4_Kx8, Q6_Kx8)
        var panels = pair.Model.PanelWeights?.Result;
        if (panels is not null)
            foreach (var m in panels.Layers.SelectMany(l => new[] { l.Wq, l.Wk, l.Wv, l.Wo, l.Gate, l.Up, l.Down }).Append(panels.Output))
                Assert.Contains(StoredRows.FileType(m.Type), c.Types);
        string text = ModelInspector.Describe(pair.Model);
        output.WriteLine(text);
        foreach (var type in c.Types) Assert.Matches($"matrices .*{type} ×[0-9]+", text);
        Assert.Contains("bits per parameter", text);
    }

    /// <summary>The Q8_0, Q4_K and Q6_K matrices rearranged into panels compute the same logits, bit for bit, as the
    /// file's rows (Q5_K_M: Q5_K rows beside Q6_K panels).</summary>
    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Panels_give_the_logits_of_the_files_rows(string name)
    {
        var pair = Open(QuantizedCase.Named(name));
        if (pair.Model.PanelWeights is not { } pending) return;   // nothing rearranged in this file (Q4_0)
        var panels = await pending;
        var options = new EngineOptions { Threads = 2, MaxSequences = 1 };
        using var fromPanels = new InferenceEngine(pair.Model.Config, panels, pair.Model.Tokenizer, options);
        using var fromRows = new InferenceEngine(pair.Model.Config, pair.Model.Weights, pair.Model.Tokenizer, options);
        foreach (int[] prompt in ParityPrompts.All(pair.VocabSize))
            Assert.Equal(fromRows.LastLogits(prompt), fromPanels.LastLogits(prompt));
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Last_position_logits_match_llama_cpp(string name)
    {
        var c = QuantizedCase.Named(name);
        var pair = Open(c);
        foreach (int[] prompt in ParityPrompts.All(pair.VocabSize))
        {
            float[] expected = pair.Reference.LastLogits(prompt);
            var exact = LogitDistance.Between(pair.Exact.LastLogits(prompt), expected);
            var quantised = LogitDistance.Between(pair.Quantised.LastLogits(prompt), expected);
            var engine = LogitDistance.Between(pair.Engine.LastLogits(prompt), expected);
            output.WriteLine($"{name} prompt {prompt.Length,2}: exact {exact}; quantised {quantised}; engine {engine}");
            QuantizedCase.ExactMode.AssertWithin(exact, $"{name}, F32 activations, {prompt.Length}-token prompt");
            QuantizedCase.QuantisedMode.AssertWithin(quantised, $"{name}, quantised activations, {prompt.Length}-token prompt");
            // the engine runs its default, quantised activations: held to that mode's tolerance
            QuantizedCase.QuantisedMode.AssertWithin(engine, $"{name}, engine, {prompt.Length}-token prompt");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Greedy_tokens_match_llama_cpp(string name)
    {
        var pair = Open(QuantizedCase.Named(name));
        foreach (int[] prompt in ParityPrompts.All(pair.VocabSize))
        {
            int[] expected = pair.Reference.Greedy(prompt, GreedyParityTests.Steps, out float[] gaps);
            AssertAgree("quantised activations", pair.Quantised.Greedy(prompt, GreedyParityTests.Steps), QuantizedCase.QuantisedMode);

            void AssertAgree(string what, int[] actual, LogitTolerance tolerance)
            {
                int first = -1;
                for (int i = 0; i < actual.Length && first < 0; i++)
                    if (actual[i] != expected[i]) first = i;
                output.WriteLine($"{name} {what}, prompt {prompt.Length,2}: {expected.Distinct().Count()} distinct tokens, smallest gap {gaps.Min():G3}, " +
                    (first < 0 ? "all steps agree" : $"first difference at step {first} (gap {gaps[first]:G3})"));
                if (first >= 0)
                    Assert.True(gaps[first] < 2 * tolerance.MaxAbs,
                        $"{name}, {what}, {prompt.Length}-token prompt: at step {first} Mesh chose {actual[first]}, llama.cpp {expected[first]}, " +
                        $"though llama.cpp's top-2 gap {gaps[first]:G3} is no near tie (< {2 * tolerance.MaxAbs:G3})");
            }
        }
    }

    private QuantizedPair Open(QuantizedCase c)
    {
        var pair = models.Open(c, out string? skip);
        Skip.If(pair is null, skip);
        return pair;
    }

    public static TheoryData<string> Cases => QuantizedCase.Names();
}
