using System.Text.Json;
using Mesh.Bench;
using Mesh.Bench.Trace;
using Mesh.Kernels;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh bench</c>: Mesh against llama.cpp on the same GGUF file (prefill and decode
/// tokens/s, their ratio, memory bandwidth and the decode roofline); with --json the last line is one
/// JSON object.</summary>
public static class BenchCommand
{
    public static int Run(string[] args)
    {
        if (args is ["trace", .. var traceArgs]) return RunTrace(traceArgs);
        var cl = CommandLine.Parse(args, new HashSet<string> { "json", "mesh-only", "exact-activations" });
        var options = new BenchOptions
        {
            ModelPath = cl.Required("model"),
            PromptTokens = cl.Int("prompt", 128),
            GenTokens = cl.Int("gen", 64),
            Threads = cl.Int("threads", Environment.ProcessorCount),
            Repeats = cl.Int("repeats", 5),
            Concurrent = cl.Int("concurrent", 8),
            MeshOnly = cl.Has("mesh-only"),
            QuantizeActivations = !cl.Has("exact-activations"),
            KvType = KvType(cl.String("kv-type")),
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

    /// <summary><c>mesh bench trace</c>: replays a slice of a recorded trace through the in-process mesh per mode (see
    /// <see cref="TraceBench"/> and docs/benchmarks.md). Without --trace it replays the Azure conversation trace from the
    /// shared data folder, and skips (exit 0) with a message when that is absent. With --json standard output is one
    /// JSON object.</summary>
    private static int RunTrace(string[] args)
    {
        var cl = CommandLine.Parse(args, new HashSet<string> { "json" });
        string? trace = cl.String("trace") ?? TraceFile.Shared(TraceFile.AzureConversation);
        var d = new TraceBenchOptions { TracePath = trace ?? "" };
        var options = d with
        {
            Shape = new TraceShape
            {
                SliceStart = Seconds(cl, "slice-start", d.Shape.SliceStart),
                Duration = Seconds(cl, "duration", d.Shape.Duration),
                TimeScale = Number(cl, "time-scale", d.Shape.TimeScale),
                TokenScale = Number(cl, "scale-tokens", d.Shape.TokenScale),
                MaxPrompt = cl.Int("max-prompt", d.Shape.MaxPrompt),
                MaxGen = cl.Int("max-gen", d.Shape.MaxGen),
            },
            Targets = new SloTargets(Number(cl, "ttft-ms", d.Targets.TtftMs), Number(cl, "tpot-ms", d.Targets.TpotMs)),
            ModelPath = cl.String("model"),
            PrefillWorkers = cl.Int("prefill-workers", d.PrefillWorkers),
            DecodeWorkers = cl.Int("decode-workers", d.DecodeWorkers),
            ColocatedWorkers = cl.Int("colocated-workers", d.ColocatedWorkers),
            Threads = cl.Int("threads", d.Threads),
            Drain = Seconds(cl, "drain", d.Drain),
            Seed = cl.Int("seed", d.Seed),
            OfflineRequests = cl.Int("offline", d.OfflineRequests),
            OfflineTokens = cl.Int("offline-tokens", d.OfflineTokens),
        };
        string mode = cl.String("mode") ?? "both";
        bool json = cl.Has("json");
        cl.RejectUnknown();
        try { options = options with { Modes = TraceBenchOptions.ParseModes(mode) }; options.Validate(); }
        catch (ArgumentException ex) { throw new UsageException(ex.Message); }
        if (trace is null)
        {
            Console.Error.WriteLine($"mesh bench trace: skipped: no --trace given and ../shared/data/{TraceFile.AzureConversation} is not beside the repository");
            return 0;
        }

        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler cancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += cancel;
        try
        {
            // The command line is synchronous (Cli.Run); the replay is the whole of this command, run to its end here.
            // With --json, standard output carries only the JSON object; progress and the table go to standard error.
            TextWriter text = json ? Console.Error : Console.Out;
            TraceReport report = TraceBench.RunAsync(options, text, stop.Token).GetAwaiter().GetResult();
            report.Print(text);
            if (json) Console.Out.WriteLine(JsonSerializer.Serialize(TraceJson.Of(report), TraceJsonContext.Default.TraceJson));
            return 0;
        }
        catch (ArgumentException ex) { throw new UsageException(ex.Message); }
        catch (Exception ex) when (ex is TraceFormatException or InvalidOperationException or OperationCanceledException)
        {
            Console.Error.WriteLine($"mesh bench trace: {ex.Message}");
            return 1;
        }
        finally { Console.CancelKeyPress -= cancel; }
    }

    /// <summary>--kv-type f32|f16 for both peers; absent: each at its default (F16 for both).</summary>
    private static KvCacheType? KvType(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "f32" => KvCacheType.F32,
        "f16" => KvCacheType.F16,
        _ => throw new UsageException($"--kv-type expects f32 or f16, got '{text}'"),
    };

    /// <summary>A decimal option read as a finite double (<see cref="CommandLine.Float"/> would turn 0.05 into 0.0500000007).</summary>
    private static double Number(CommandLine cl, string name, double fallback) =>
        cl.String(name) is not { } text ? fallback
        : double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) ? value
        : throw new UsageException($"--{name} expects a number, got '{text}'");

    /// <summary>An option in seconds.</summary>
    private static TimeSpan Seconds(CommandLine cl, string name, TimeSpan fallback)
    {
        double seconds = Number(cl, name, fallback.TotalSeconds);
        return Math.Abs(seconds) < 1e9 ? TimeSpan.FromSeconds(seconds) : throw new UsageException($"--{name} is out of range: {seconds} s");
    }
}
