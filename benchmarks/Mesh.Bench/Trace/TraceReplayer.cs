using System.Diagnostics;

namespace Mesh.Bench.Trace;

/// <summary>
/// Open-loop replay: every request is sent at its <see cref="ShapedRequest.SendAt"/> whether or not earlier ones have
/// finished (as users arrive), over its own HTTP stream. Bodies are built before the clock starts.
/// </summary>
public static class TraceReplayer
{
    /// <summary>The outcomes of <paramref name="requests"/> in index order, and the makespan: start → last stream end.</summary>
    /// <param name="drain">How long after the last send unfinished streams may run before they are cancelled (and fail).</param>
    public static async Task<(IReadOnlyList<RequestOutcome> Outcomes, TimeSpan Makespan)> RunAsync(
        CompletionStreamClient client, IReadOnlyList<ShapedRequest> requests, PromptBuilder prompts, TimeSpan drain, CancellationToken cancellationToken)
    {
        byte[][] bodies = [.. requests.Select(r => client.Body(r, prompts.Build(r)))];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var streams = new Task<RequestOutcome>[requests.Count];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < requests.Count; i++)
        {
            TimeSpan wait = requests[i].SendAt - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            streams[i] = client.SendAsync(requests[i].Index, bodies[i], start, stop.Token);
        }
        stop.CancelAfter(drain);
        RequestOutcome[] outcomes = await Task.WhenAll(streams);
        TimeSpan makespan = outcomes.Length == 0 ? TimeSpan.Zero : outcomes.Max(o => o.Finished);
        return (outcomes, makespan);
    }
}
