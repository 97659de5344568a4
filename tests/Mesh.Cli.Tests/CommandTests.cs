using System.Text.Json;

namespace Mesh.Cli.Tests;

/// <summary>The command line as a user meets it: create a model, inspect it, generate from it, and
/// get a clear message and exit code for every mistake.</summary>
public sealed class CommandTests(TempDir dir) : IClassFixture<TempDir>
{
    private string TinyModel()
    {
        string path = dir.File("tiny.gguf");
        if (!File.Exists(path))
            Assert.Equal(0, CliRun.Mesh("model", "create", "--preset", "tiny", "--seed", "3", "--out", path).Exit);
        return path;
    }

    [Fact]
    public void Generate_json_prints_ids_text_and_speeds_and_is_reproducible()
    {
        string model = TinyModel();
        var (exit, stdout, _) = CliRun.Mesh("generate", "--model", model, "--prompt-ids", "1,17,99", "--max-tokens", "8",
            "--temperature", "0.8", "--seed", "5", "--json");
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal([1, 17, 99], root.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()));
        var ids = root.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.InRange(ids.Length, 1, 8);
        Assert.True(root.GetProperty("decode_tokens_per_s").GetDouble() >= 0);
        Assert.True(root.TryGetProperty("prefill_tokens_per_s", out _));
        Assert.True(root.TryGetProperty("text", out _));

        var again = JsonDocument.Parse(CliRun.Mesh("generate", "--model", model, "--prompt-ids", "1,17,99", "--max-tokens", "8",
            "--temperature", "0.8", "--seed", "5", "--json").Out).RootElement;
        Assert.Equal(ids, again.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Generate_streams_text_from_a_text_prompt()
    {
        var (exit, stdout, stderr) = CliRun.Mesh("generate", "--model", TinyModel(), "--prompt", "hello world", "--max-tokens", "6", "--temperature", "0");
        Assert.Equal(0, exit);
        Assert.False(string.IsNullOrWhiteSpace(stdout));
        Assert.Contains("generated", stderr);
    }

    [Fact]
    public void Inspect_describes_the_model()
    {
        var (exit, stdout, _) = CliRun.Mesh("model", "inspect", TinyModel());
        Assert.Equal(0, exit);
        Assert.Contains("llama", stdout);
        Assert.Contains("dim 64", stdout);
        Assert.Contains("fingerprint", stdout);
    }

    [Fact]
    public void The_same_seed_writes_the_same_file()
    {
        string a = dir.File("a.gguf"), b = dir.File("b.gguf");
        CliRun.Mesh("model", "create", "--dim", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--vocab", "400", "--seed", "9", "--out", a);
        CliRun.Mesh("model", "create", "--dim", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--vocab", "400", "--seed", "9", "--out", b);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Theory]
    [InlineData("unknown command", "frobnicate")]
    [InlineData("--prompt or --prompt-ids", "generate", "--model", "x.gguf")]
    [InlineData("unknown option", "generate", "--model", "x.gguf", "--prompt", "a", "--bogus", "1")]
    [InlineData("expects a number", "generate", "--model", "x.gguf", "--prompt", "a", "--max-tokens", "many")]
    [InlineData("unknown model preset", "model", "create", "--preset", "huge", "--out", "x.gguf")]
    [InlineData("below the minimum", "model", "create", "--preset", "tiny", "--vocab", "100", "--out", "x.gguf")]
    [InlineData("only available for gguf", "model", "create", "--preset", "small", "--format", "safetensors", "--dtype", "q8_0", "--out", "x")]
    public void Usage_mistakes_exit_2_with_the_reason(string message, params string[] args)
    {
        var (exit, _, stderr) = CliRun.Mesh(args);
        Assert.Equal(2, exit);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void Bad_models_and_requests_exit_1_with_the_reason()
    {
        string garbage = dir.File("garbage.gguf");
        File.WriteAllText(garbage, "this is not a model");
        var bad = CliRun.Mesh("generate", "--model", garbage, "--prompt", "a");
        Assert.Equal(1, bad.Exit);
        Assert.Contains("garbage.gguf", bad.Err);

        var missing = CliRun.Mesh("model", "inspect", dir.File("nope.gguf"));
        Assert.Equal(1, missing.Exit);
        Assert.Contains("nope.gguf", missing.Err);

        var outside = CliRun.Mesh("generate", "--model", TinyModel(), "--prompt-ids", "1,999999", "--max-tokens", "2");
        Assert.Equal(1, outside.Exit);
        Assert.Contains("outside the vocabulary", outside.Err);

        var chat = CliRun.Mesh("generate", "--model", TinyModel(), "--prompt", "hi", "--chat");
        Assert.Equal(1, chat.Exit);
        Assert.Contains("chat format", chat.Err);
    }
}

/// <summary><c>mesh serve</c> refuses what it cannot run before it listens on anything.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_with_a_missing_model_or_a_bad_port_exits_with_the_reason()
    {
        var stderr = new StringWriter();
        var old = Console.Error;
        Console.SetError(stderr);
        try
        {
            Assert.Equal(2, await Cli.RunAsync(["serve", "--model", "/nonexistent/model.gguf"]));
            Assert.Equal(2, await Cli.RunAsync(["serve", "--port", "99999"]));
        }
        finally { Console.SetError(old); }
        Assert.Contains("no such file or folder", stderr.ToString());
        Assert.Contains("--port must be a whole number", stderr.ToString());
    }
}
