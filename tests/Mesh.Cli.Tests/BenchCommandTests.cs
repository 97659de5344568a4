namespace Mesh.Cli.Tests;

/// <summary><c>mesh bench</c>'s options as a user mistypes them: each is a usage error (exit 2) that names the
/// option, before any model is loaded.</summary>
public sealed class BenchCommandTests
{
    [Fact]
    public void An_unknown_kv_type_is_a_usage_error()
    {
        var (exit, _, stderr) = CliRun.Mesh("bench", "--model", "m.gguf", "--kv-type", "q4");
        Assert.Equal(2, exit);
        Assert.Contains("--kv-type expects f32 or f16, got 'q4'", stderr);
    }

    [Fact]
    public void The_old_quantize_activations_flag_is_refused_now_that_it_is_the_default()
    {
        var (exit, _, stderr) = CliRun.Mesh("bench", "--model", "m.gguf", "--quantize-activations");
        Assert.Equal(2, exit);
        Assert.Contains("quantize-activations", stderr);
    }
}
