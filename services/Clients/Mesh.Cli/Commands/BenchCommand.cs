using System.Text.Json;
using Mesh.Bench;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh bench</c>: Mesh against llama.cpp on the same GGUF file (prefill and decode
/// tokens/s, their ratio, memory bandwidth and the decode roofline); with --json the last line is one
/// JSON object.</summary>
public static class BenchCommand
{
    public static int Run(string[] args)
    {
        var cl = CommandLine.Parse(args, new HashSet<string> { "json", "mesh-only" });
        var options = new BenchOptions
        {
            ModelPath = cl.Required("model"),
            PromptTokens = cl.Int("prompt", 128),
            GenTokens = cl.Int("gen", 64),
            Threads = cl.Int("threads", Environment.ProcessorCount),
            Repeats = cl.Int("repeats", 5),
            Concurrent = cl.Int("concurrent", 8),
            MeshOnly = cl.Has("mesh-only"),
        };
        bool json = cl.Has("json");
        cl.RejectUnknown();
        try { options.Validate(); }
        catch (ArgumentException ex) { throw new UsageException(ex.Message); }
        if (!File.Exists(options.ModelPath)) throw new FileNotFoundException($"no model file at {options.ModelPath}");

        var report = BenchRunner.Run(options, Console.Out);
        BenchRunner.Print(report, Console.Out);
        if (json) Console.Out.WriteLine(JsonSerializer.Serialize(report.ToJson(), BenchJsonContext.Default.BenchJson));
        return 0;
    }
}
