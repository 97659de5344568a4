namespace Mesh.Bench;

/// <summary>One timed run: prefill (prompt tokens / time to the first token) and decode (tokens after
/// the first / their time), with the memory bandwidth measured right before and after it.</summary>
public sealed record RunTiming(double PrefillTokensPerSecond, double DecodeTokensPerSecond, double BandwidthBefore, double BandwidthAfter)
{
    public double Bandwidth => (BandwidthBefore + BandwidthAfter) / 2;
}

/// <summary>Median and spread of one measure over the repeats.</summary>
public readonly record struct Spread(double Median, double Min, double Max)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return new Spread(0, 0, 0);
        double median = v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        return new Spread(median, v[0], v[^1]);
    }

    public override string ToString() => $"{Median,8:F1} [{Min:F1}..{Max:F1}]";
}
