namespace Mesh.Bench.Trace;

/// <summary>p50, p90 and p99 of one latency over the completed requests, in milliseconds; null when there were none.</summary>
public sealed record LatencySummary(double P50, double P90, double P99)
{
    /// <summary>The summary of <paramref name="millis"/>; null when it is empty.</summary>
    public static LatencySummary? Of(IEnumerable<double> millis)
    {
        double[] sorted = [.. millis.Order()];
        return sorted.Length == 0
            ? null
            : new LatencySummary(Percentiles.Of(sorted, 50), Percentiles.Of(sorted, 90), Percentiles.Of(sorted, 99));
    }
}

/// <summary>Percentiles by linear interpolation between closest ranks (NumPy's default, so numbers compare with vLLM's benchmarks).</summary>
public static class Percentiles
{
    /// <summary>The <paramref name="p"/>-th percentile of <paramref name="sorted"/> (ascending, not empty): the value at
    /// rank <c>p/100 × (n − 1)</c>, interpolated between its neighbours.</summary>
    /// <exception cref="ArgumentException">Empty input or <paramref name="p"/> outside [0, 100].</exception>
    public static double Of(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values to take a percentile of", nameof(sorted));
        if (p is < 0 or > 100 || double.IsNaN(p)) throw new ArgumentException($"a percentile is in [0, 100], got {p}", nameof(p));
        double rank = p / 100 * (sorted.Count - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
    }
}
