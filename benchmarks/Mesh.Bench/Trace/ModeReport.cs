namespace Mesh.Bench.Trace;

/// <summary>The latency targets a request must meet to count toward goodput.</summary>
/// <param name="TtftMs">Time to first token, at most.</param>
/// <param name="TpotMs">Time per output token after the first, at most (a one-token answer meets it).</param>
public sealed record SloTargets(double TtftMs, double TpotMs)
{
    /// <summary>The bench's defaults: the answer starts within a second and streams at 20 tokens/s or faster (docs/benchmarks.md).</summary>
    public static SloTargets Default { get; } = new(TtftMs: 1000, TpotMs: 50);

    /// <summary>Whether <paramref name="o"/> completed within both targets.</summary>
    public bool Met(RequestOutcome o) =>
        o.Completed
        && o.FirstToken is { } first && first.TotalMilliseconds <= TtftMs
        && (o.TimePerOutputToken is not { } tpot || tpot.TotalMilliseconds <= TpotMs);
}

/// <summary>
/// One mode's replay, summed up. Rates are over the makespan (start of the replay → end of the last stream);
/// percentiles are over completed requests; goodput counts completed requests that met both targets. Failed includes
/// the requests rejected at admission (HTTP 429).
/// </summary>
public sealed record ModeReport(
    string Mode,
    int Requests,
    int Completed,
    int Failed,
    int Rejected,
    double MakespanSeconds,
    long PromptTokens,
    long CachedPromptTokens,
    long OutputTokens,
    LatencySummary? TtftMs,
    LatencySummary? TpotMs,
    int Good,
    IReadOnlyList<string> FirstErrors)
{
    /// <summary>Completed requests per second.</summary>
    public double RequestsPerSecond => MakespanSeconds > 0 ? Completed / MakespanSeconds : 0;

    /// <summary>Output tokens of completed requests per second.</summary>
    public double OutputTokensPerSecond => MakespanSeconds > 0 ? OutputTokens / MakespanSeconds : 0;

    /// <summary>Fraction of all sent requests that completed within both targets.</summary>
    public double GoodputFraction => Requests > 0 ? (double)Good / Requests : 0;

    /// <summary>Requests per second that completed within both targets.</summary>
    public double GoodputPerSecond => MakespanSeconds > 0 ? Good / MakespanSeconds : 0;

    /// <summary>The report of <paramref name="outcomes"/>.</summary>
    public static ModeReport Of(string mode, IReadOnlyList<RequestOutcome> outcomes, TimeSpan makespan, SloTargets targets)
    {
        RequestOutcome[] done = [.. outcomes.Where(o => o.Completed)];
        return new ModeReport(
            mode,
            outcomes.Count,
            done.Length,
            outcomes.Count - done.Length,
            outcomes.Count(o => o.Rejected),
            makespan.TotalSeconds,
            done.Sum(o => (long)(o.PromptTokens ?? 0)),
            done.Sum(o => (long)(o.CachedTokens ?? 0)),
            done.Sum(o => (long)o.OutputTokens),
            LatencySummary.Of(done.Where(o => o.FirstToken is not null).Select(o => o.FirstToken!.Value.TotalMilliseconds)),
            LatencySummary.Of(done.Where(o => o.TimePerOutputToken is not null).Select(o => o.TimePerOutputToken!.Value.TotalMilliseconds)),
            outcomes.Count(targets.Met),
            [.. outcomes.Where(o => !o.Completed).Select(o => $"request {o.Index}: {o.Error}").Take(3)]);
    }
}
