using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;

namespace Mesh.Engine.Tests.Parity;

/// <summary>One prompt continued greedily by Mesh and by llama.cpp: both token lists, llama.cpp's
/// top-2 logit gap at each step, and the first step where they part (-1 when they never do).</summary>
internal sealed record GreedyComparison(int[] Prompt, int[] Mesh, int[] LlamaCpp, float[] Gaps, int FirstDifference)
{
    public static GreedyComparison Run(InferenceEngine mesh, LlamaCppReference llamaCpp, int[] prompt, int steps)
    {
        int[] expected = llamaCpp.Greedy(prompt, steps, out float[] gaps);
        int[] actual = Generation.Run(mesh, prompt, SamplingParams.Greedy(steps) with { IgnoreEos = true }).Ids;
        Assert.Equal(steps, actual.Length);
        int first = -1;
        for (int i = 0; i < steps && first < 0; i++)
            if (actual[i] != expected[i]) first = i;
        return new GreedyComparison(prompt, actual, expected, gaps, first);
    }

    /// <summary>The prompt followed by the tokens both sides chose before they parted.</summary>
    public int[] AgreedContext => [.. Prompt, .. LlamaCpp[..(FirstDifference < 0 ? LlamaCpp.Length : FirstDifference)]];

    public string Summary => $"prompt {Prompt.Length,2}: {LlamaCpp.Distinct().Count()} distinct tokens, smallest top-2 gap {Gaps.Min():G3}, " +
        (FirstDifference < 0 ? $"all {LlamaCpp.Length} steps agree" : $"first difference at step {FirstDifference} (gap {Gaps[FirstDifference]:G3})");

    public string Tokens => $"Mesh [{string.Join(' ', Mesh)}] vs llama.cpp [{string.Join(' ', LlamaCpp)}]";
}
