using System.Globalization;

namespace Mesh.Bench.Trace;

/// <summary>One mode's numbers and how busy the machine was meanwhile.</summary>
public sealed record ModeRun(ModeReport Report, MachineLoad Load, OfflineLoad? Offline = null);

/// <summary>The offline batch sent beside a replay: how many, how many completed, and the preemptions the scheduler counted.</summary>
public sealed record OfflineLoad(int Sent, int Completed, long Preemptions);

/// <summary>Everything one <c>mesh bench trace</c> run measured.</summary>
/// <param name="Trace">The trace file's name.</param>
/// <param name="TraceRequests">Requests in the whole trace.</param>
/// <param name="Shape">The slice and scaling applied.</param>
/// <param name="Model">The served model's name.</param>
/// <param name="Targets">The goodput targets.</param>
/// <param name="Requests">Requests in the slice (sent in every mode).</param>
/// <param name="MeanPromptTokens">Mean prompt length sent.</param>
/// <param name="MeanMaxTokens">Mean answer length asked for.</param>
/// <param name="Modes">One run per mode, in the order run.</param>
public sealed record TraceReport(
    string Trace,
    int TraceRequests,
    TraceShape Shape,
    string Model,
    SloTargets Targets,
    int Requests,
    double MeanPromptTokens,
    double MeanMaxTokens,
    IReadOnlyList<ModeRun> Modes)
{
    /// <summary>The disaggregated and colocated runs when both ran.</summary>
    public (ModeReport Disaggregated, ModeReport Colocated)? Pair =>
        Modes.FirstOrDefault(m => m.Report.Mode == TraceBenchOptions.Name(TraceMode.Disaggregated)) is { } d
        && Modes.FirstOrDefault(m => m.Report.Mode == TraceBenchOptions.Name(TraceMode.Colocated)) is { } c
            ? (d.Report, c.Report)
            : null;

    /// <summary>The side-by-side rows: name, disaggregated, colocated (null when a value is missing).</summary>
    public static IReadOnlyList<(string Metric, double? Disaggregated, double? Colocated)> Rows(ModeReport d, ModeReport c) =>
    [
        ("completed", d.Completed, c.Completed),
        ("rejected (429)", d.Rejected, c.Rejected),
        ("throughput req/s", d.RequestsPerSecond, c.RequestsPerSecond),
        ("output tok/s", d.OutputTokensPerSecond, c.OutputTokensPerSecond),
        ("prompt tokens from cache", d.CachedPromptTokens, c.CachedPromptTokens),
        ("TTFT p50 ms", d.TtftMs?.P50, c.TtftMs?.P50),
        ("TTFT p90 ms", d.TtftMs?.P90, c.TtftMs?.P90),
        ("TTFT p99 ms", d.TtftMs?.P99, c.TtftMs?.P99),
        ("TPOT p50 ms", d.TpotMs?.P50, c.TpotMs?.P50),
        ("TPOT p90 ms", d.TpotMs?.P90, c.TpotMs?.P90),
        ("TPOT p99 ms", d.TpotMs?.P99, c.TpotMs?.P99),
        ("goodput fraction", d.GoodputFraction, c.GoodputFraction),
        ("goodput req/s", d.GoodputPerSecond, c.GoodputPerSecond),
    ];

    /// <summary>The text summary: the setup, one line per mode, and the side-by-side table when both modes ran.</summary>
    public void Print(TextWriter w)
    {
        w.WriteLine();
        w.WriteLine($"trace {Trace}: {Requests} of {TraceRequests} requests (slice {S(Shape.SliceStart)}–{S(Shape.SliceStart + Shape.Duration)} s), " +
            $"time ×{Shape.TimeScale.ToString(CultureInfo.InvariantCulture)}, tokens ×{Shape.TokenScale.ToString(CultureInfo.InvariantCulture)} " +
            $"(prompt ≤ {Shape.MaxPrompt}, gen ≤ {Shape.MaxGen}; mean prompt {MeanPromptTokens:F0}, mean gen {MeanMaxTokens:F0})");
        w.WriteLine($"model {Model}; goodput targets TTFT ≤ {Targets.TtftMs:F0} ms, TPOT ≤ {Targets.TpotMs:F0} ms");
        w.WriteLine();
        w.WriteLine($"{"mode",-14} {"sent",5} {"done",5} {"fail",5} {"429",4} {"req/s",7} {"out tok/s",9} {"TTFT p50/p90/p99 ms",-24} {"TPOT p50/p90/p99 ms",-22} {"goodput",-16} load");
        foreach (ModeRun run in Modes)
        {
            ModeReport m = run.Report;
            w.WriteLine($"{m.Mode,-14} {m.Requests,5} {m.Completed,5} {m.Failed,5} {m.Rejected,4} {m.RequestsPerSecond,7:F2} {m.OutputTokensPerSecond,9:F1} " +
                $"{Triple(m.TtftMs, "F0"),-24} {Triple(m.TpotMs, "F1"),-22} {$"{m.GoodputFraction:P0} {m.GoodputPerSecond:F2}/s",-16} {Load(run.Load)}");
            foreach (string e in m.FirstErrors) w.WriteLine($"  {e}");
        }
        if (Pair is not var (d, c)) return;
        w.WriteLine();
        w.WriteLine($"{"metric",-24} {"disaggregated",14} {"colocated",12} {"disagg/coloc",13}");
        foreach (var (metric, dv, cv) in Rows(d, c))
            w.WriteLine($"{metric,-24} {Value(dv),14} {Value(cv),12} {Ratio(dv, cv),13}");
    }

    /// <summary><paramref name="d"/> / <paramref name="c"/>; null when either is missing or <paramref name="c"/> is 0.</summary>
    public static double? RatioOf(double? d, double? c) => d is { } x && c is { } y && y != 0 ? x / y : null;

    private static string S(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Triple(LatencySummary? s, string format) =>
        s is null ? "–" : $"{s.P50.ToString(format, CultureInfo.InvariantCulture)}/{s.P90.ToString(format, CultureInfo.InvariantCulture)}/{s.P99.ToString(format, CultureInfo.InvariantCulture)}";

    private static string Value(double? v) => v is { } x ? x.ToString("0.###", CultureInfo.InvariantCulture) : "–";

    private static string Ratio(double? d, double? c) => RatioOf(d, c) is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–";

    private static string Load(MachineLoad l) =>
        l.OtherCores is { } other
            ? $"loadavg {l.LoadBefore:F2}→{l.LoadAfter:F2}, cores busy: this {l.SelfCores:F2}, others {other:F2}"
            : "load not measured (no /proc)";
}
