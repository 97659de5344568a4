using Mesh.Bench.Trace;

namespace Mesh.Bench.Tests;

/// <summary>Percentiles interpolate between closest ranks, as NumPy's default does.</summary>
public sealed class PercentileTests
{
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(50, 2.5)]
    [InlineData(90, 3.7)]
    [InlineData(99, 3.97)]
    [InlineData(100, 4.0)]
    public void Four_values_match_numpy(double p, double expected)
    {
        Assert.Equal(expected, Percentiles.Of([1.0, 2.0, 3.0, 4.0], p), 12);
    }

    [Fact]
    public void One_value_is_every_percentile()
    {
        Assert.Equal(7.5, Percentiles.Of([7.5], 99));
    }

    [Fact]
    public void A_summary_sorts_its_input_and_is_null_when_empty()
    {
        LatencySummary s = LatencySummary.Of([50, 10, 30, 20, 40])!;
        Assert.Equal(30, s.P50, 12);
        Assert.Equal(46, s.P90, 12);
        Assert.Equal(49.6, s.P99, 12);
        Assert.Null(LatencySummary.Of([]));
    }

    [Fact]
    public void Empty_input_and_a_percentile_outside_0_to_100_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Percentiles.Of([], 50));
        Assert.Throws<ArgumentException>(() => Percentiles.Of([1.0], 101));
        Assert.Throws<ArgumentException>(() => Percentiles.Of([1.0], -1));
    }
}
