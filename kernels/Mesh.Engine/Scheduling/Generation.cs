using System.Diagnostics;
using Mesh.Engine.Sampling;

namespace Mesh.Engine.Scheduling;

/// <summary>The outcome of running one prompt to the end.</summary>
public sealed record GenerationResult(
    int[] PromptIds,
    int[] Ids,
    string Text,
    FinishReason Finish,
    int CachedTokens,
    double PrefillTokensPerSecond,
    double DecodeTokensPerSecond,
    IReadOnlyList<SequenceOutput> Steps);

/// <summary>Drives an engine for a single prompt: the simple path the command line and the tests
/// use. Timing: prefill = until the first token, decode = the tokens after it.</summary>
public static class Generation
{
    public static GenerationResult Run(InferenceEngine engine, int[] promptIds, SamplingParams sampling,
        Action<string>? onText = null, CancellationToken cancel = default)
    {
        long id = engine.Add(promptIds, sampling);
        long prefillBefore = engine.PrefillTokensComputed;
        var ids = new List<int>();
        var text = new System.Text.StringBuilder();
        var steps = new List<SequenceOutput>();
        var clock = Stopwatch.StartNew();
        double firstTokenAt = 0;
        var finish = FinishReason.None;
        while (finish == FinishReason.None)
        {
            if (cancel.IsCancellationRequested) engine.Cancel(id);
            foreach (var o in engine.Step())
            {
                if (o.SequenceId != id) continue;
                steps.Add(o);
                if (o.Token >= 0 && !o.IsStopToken)
                {
                    if (ids.Count == 0) firstTokenAt = clock.Elapsed.TotalSeconds;
                    ids.Add(o.Token);
                }
                if (o.Text.Length > 0) { text.Append(o.Text); onText?.Invoke(o.Text); }
                finish = o.Finish;
            }
        }
        double total = clock.Elapsed.TotalSeconds;
        int computedPrompt = (int)(engine.PrefillTokensComputed - prefillBefore);
        double prefillRate = firstTokenAt > 0 ? computedPrompt / firstTokenAt : 0;
        double decodeRate = ids.Count > 1 && total > firstTokenAt ? (ids.Count - 1) / (total - firstTokenAt) : 0;
        return new GenerationResult(promptIds, [.. ids], text.ToString(), finish, promptIds.Length - computedPrompt,
            prefillRate, decodeRate, steps);
    }
}
