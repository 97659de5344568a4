using System.Text.Json.Serialization;

namespace Mesh.Bench;

/// <summary>Everything one <c>mesh bench</c> run measured: per peer the medians and spreads of
/// prefill and decode tokens/s over the repeats, the bandwidth beside each run, and the fraction
/// of the decode roofline reached.</summary>
public sealed record BenchReport(
    BenchOptions Options,
    string Model,
    double WeightBytesPerDecodeToken,
    PeerResult Mesh,
    PeerResult? LlamaCpp,
    string? LlamaCppSkipped,
    double? ConcurrentDecodeTokensPerSecond,
    double? ConcurrentSpeedup,
    double MeshStartupMs,
    double? LlamaCppStartupMs)
{
    public double? PrefillRatio => LlamaCpp is null ? null : Mesh.Prefill.Median / LlamaCpp.Prefill.Median;
    public double? DecodeRatio => LlamaCpp is null ? null : Mesh.Decode.Median / LlamaCpp.Decode.Median;

    public BenchJson ToJson() => new(
        Model, Options.PromptTokens, Options.GenTokens, Options.Threads, Options.Repeats,
        Round(Mesh.Prefill.Median), Round(Mesh.Decode.Median),
        LlamaCpp is null ? null : Round(LlamaCpp.Prefill.Median), LlamaCpp is null ? null : Round(LlamaCpp.Decode.Median),
        PrefillRatio is { } p ? Math.Round(p, 3) : null, DecodeRatio is { } d ? Math.Round(d, 3) : null,
        Round(Mesh.Bandwidth.Median), Math.Round(Mesh.RooflineFraction, 3),
        LlamaCpp is null ? null : Math.Round(LlamaCpp.RooflineFraction, 3),
        ConcurrentDecodeTokensPerSecond is { } c ? Round(c) : null, ConcurrentSpeedup is { } s ? Math.Round(s, 2) : null,
        LlamaCppSkipped, Options.MeshKvType.ToString().ToLowerInvariant(),
        LlamaCpp is null ? null : Options.LlamaCppKvType.ToString().ToLowerInvariant(),
        Math.Round(MeshStartupMs), LlamaCppStartupMs is { } ls ? Math.Round(ls) : null);

    private static double Round(double v) => Math.Round(v, 1);
}

/// <summary>One peer's medians over the repeats; the roofline fraction is decode tokens/s over what
/// the bandwidth measured beside each run allows, median over runs.</summary>
public sealed record PeerResult(string Name, Spread Prefill, Spread Decode, Spread Bandwidth, double RooflineFraction)
{
    public static PeerResult Of(string name, IReadOnlyList<RunTiming> runs, double bytesPerToken) => new(
        name,
        Spread.Of(runs.Select(r => r.PrefillTokensPerSecond)),
        Spread.Of(runs.Select(r => r.DecodeTokensPerSecond)),
        Spread.Of(runs.Select(r => r.Bandwidth)),
        Spread.Of(runs.Select(r => r.DecodeTokensPerSecond / DecodeRoofline.TokensPerSecond(r.Bandwidth, bytesPerToken))).Median);
}

/// <summary>The one-line JSON object <c>mesh bench --json</c> ends with (snake_case): Mesh's numbers
/// at the top level, llama.cpp's beside them.</summary>
public sealed record BenchJson(
    string Model, int PromptTokens, int GenTokens, int Threads, int Repeats,
    double PrefillTokensPerS, double DecodeTokensPerS,
    double? LlamaCppPrefillTokensPerS, double? LlamaCppDecodeTokensPerS,
    double? PrefillRatio, double? DecodeRatio,
    double BandwidthGbPerS, double DecodeRooflineFraction, double? LlamaCppDecodeRooflineFraction,
    double? ConcurrentDecodeTokensPerS, double? ConcurrentSpeedup, string? LlamaCppSkipped, string KvType,
    string? LlamaCppKvType, double StartupMs, double? LlamaCppStartupMs);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BenchJson))]
public sealed partial class BenchJsonContext : JsonSerializerContext;
