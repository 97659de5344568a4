namespace Mesh.Cli.Tests;

/// <summary><c>mesh bench trace</c> as a user meets it when something is wrong: each mistake is named, with exit 2 for
/// usage and 1 for a file that cannot be used, before any mesh starts.</summary>
public sealed class BenchTraceCommandTests(TempDir dir) : IClassFixture<TempDir>
{
    [Fact]
    public void An_unknown_mode_is_a_usage_error()
    {
        var (exit, _, stderr) = CliRun.Mesh("bench", "trace", "--trace", dir.File("t.csv"), "--mode", "sideways");
        Assert.Equal(2, exit);
        Assert.Contains("--mode is disaggregated, colocated or both", stderr);
    }

    [Fact]
    public void A_named_trace_that_is_not_there_fails_with_its_path()
    {
        string missing = dir.File("missing.csv");
        var (exit, _, stderr) = CliRun.Mesh("bench", "trace", "--trace", missing);
        Assert.Equal(1, exit);
        Assert.Contains(missing, stderr);
    }

    [Fact]
    public void A_malformed_trace_fails_with_its_line()
    {
        string bad = dir.File("bad.csv");
        File.WriteAllText(bad, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.0000000,12,-3\n");
        var (exit, _, stderr) = CliRun.Mesh("bench", "trace", "--trace", bad);
        Assert.Equal(1, exit);
        Assert.Contains("bad.csv:2: GeneratedTokens", stderr);
    }

    [Fact]
    public void A_slice_past_the_end_of_the_trace_is_a_usage_error()
    {
        string model = dir.File("tiny.gguf");
        Assert.Equal(0, CliRun.Mesh("model", "create", "--preset", "tiny", "--seed", "3", "--out", model).Exit);
        string trace = dir.File("one.csv");
        File.WriteAllText(trace, "TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.0000000,12,3");
        var (exit, _, stderr) = CliRun.Mesh("bench", "trace", "--trace", trace, "--model", model, "--slice-start", "60");
        Assert.Equal(2, exit);
        Assert.Contains("holds no request", stderr);
    }

    [Fact]
    public void Out_of_range_shape_values_are_usage_errors()
    {
        var (exit, _, stderr) = CliRun.Mesh("bench", "trace", "--trace", dir.File("t.csv"), "--ttft-ms", "0");
        Assert.Equal(2, exit);
        Assert.Contains("--ttft-ms must be > 0", stderr);
    }

    [Theory]
    [InlineData("--duration", "nan")]
    [InlineData("--time-scale", "fast")]
    [InlineData("--slice-start", "1e300")]
    public void A_value_that_is_not_a_usable_number_is_a_usage_error(string option, string value)
    {
        var (exit, _, stderr) = CliRun.Mesh("bench", "trace", "--trace", dir.File("t.csv"), option, value);
        Assert.Equal(2, exit);
        Assert.Contains(option, stderr);
    }
}
