using System.Text.Json.Serialization;

namespace Mesh.Bench.Trace;

/// <summary>The one JSON object <c>mesh bench trace --json</c> ends with (snake_case); times in milliseconds or seconds as named.</summary>
public sealed record TraceJson(
    string Trace, int TraceRequests, double SliceStartS, double DurationS, double TimeScale, double ScaleTokens,
    int MaxPrompt, int MaxGen, string Model, double TtftTargetMs, double TpotTargetMs, int Requests,
    double MeanPromptTokens, double MeanMaxTokens, int Cores, ModeJson[] Modes, Dictionary<string, double?>? RatiosDisaggOverColoc)
{
    /// <summary>The JSON form of <paramref name="r"/>.</summary>
    public static TraceJson Of(TraceReport r) => new(
        r.Trace, r.TraceRequests, r.Shape.SliceStart.TotalSeconds, r.Shape.Duration.TotalSeconds, r.Shape.TimeScale, r.Shape.TokenScale,
        r.Shape.MaxPrompt, r.Shape.MaxGen, r.Model, r.Targets.TtftMs, r.Targets.TpotMs, r.Requests,
        Math.Round(r.MeanPromptTokens, 1), Math.Round(r.MeanMaxTokens, 1), Environment.ProcessorCount,
        [.. r.Modes.Select(ModeJson.Of)],
        r.Pair is var (d, c)
            ? TraceReport.Rows(d, c).ToDictionary(row => Key(row.Metric), row => Round(TraceReport.RatioOf(row.Disaggregated, row.Colocated), 3))
            : null);

    /// <summary><c>TTFT p50 ms</c> → <c>ttft_p50_ms</c>, <c>rejected (429)</c> → <c>rejected_429</c>.</summary>
    private static string Key(string metric) =>
        string.Join('_', metric.ToLowerInvariant().Replace("/s", " per s").Split([' ', '(', ')'], StringSplitOptions.RemoveEmptyEntries));

    internal static double? Round(double? v, int digits) => v is { } x ? Math.Round(x, digits) : null;
}

/// <summary>One mode in <see cref="TraceJson"/>.</summary>
public sealed record ModeJson(
    string Mode, int Requests, int Completed, int Failed, int Rejected, double MakespanS, double RequestsPerS, double OutputTokensPerS,
    long PromptTokens, long CachedPromptTokens, long OutputTokens, LatencySummary? TtftMs, LatencySummary? TpotMs, int Good, double GoodputFraction,
    double GoodputRequestsPerS, double? LoadAvgBefore, double? LoadAvgAfter, double? SelfCores, double? OtherCores, IReadOnlyList<string> Errors,
    OfflineLoad? Offline)
{
    public static ModeJson Of(ModeRun run)
    {
        ModeReport m = run.Report;
        return new ModeJson(
            m.Mode, m.Requests, m.Completed, m.Failed, m.Rejected, Math.Round(m.MakespanSeconds, 3), Math.Round(m.RequestsPerSecond, 3),
            Math.Round(m.OutputTokensPerSecond, 1), m.PromptTokens, m.CachedPromptTokens, m.OutputTokens, Rounded(m.TtftMs), Rounded(m.TpotMs), m.Good,
            Math.Round(m.GoodputFraction, 4), Math.Round(m.GoodputPerSecond, 3),
            run.Load.LoadBefore, run.Load.LoadAfter, TraceJson.Round(run.Load.SelfCores, 2), TraceJson.Round(run.Load.OtherCores, 2),
            m.FirstErrors, run.Offline);
    }

    private static LatencySummary? Rounded(LatencySummary? s) =>
        s is null ? null : new LatencySummary(Math.Round(s.P50, 2), Math.Round(s.P90, 2), Math.Round(s.P99, 2));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TraceJson))]
public sealed partial class TraceJsonContext : JsonSerializerContext;
