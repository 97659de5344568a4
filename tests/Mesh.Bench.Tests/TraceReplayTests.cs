using System.Text.Json;
using Mesh.Bench.Tests.Support;
using Mesh.Bench.Trace;

namespace Mesh.Bench.Tests;

/// <summary>
/// A tiny replay end to end: a five-request Azure-format trace through the in-process mesh over HTTP, disaggregated
/// and colocated, on the tiny model; every request completes and the report adds up. And a Mooncake-format pair whose
/// second request repeats the first one's prefix blocks, served partly from the prefix cache.
/// </summary>
public sealed class TraceReplayTests(TinyTraceModel model) : IClassFixture<TinyTraceModel>
{
    private const string Csv = """
        TIMESTAMP,ContextTokens,GeneratedTokens
        2023-11-16 18:15:46.0000000,40,6
        2023-11-16 18:15:46.1000000,90,3
        2023-11-16 18:15:46.1500000,17,9
        2023-11-16 18:15:46.3000000,120,1
        2023-11-16 18:15:46.4500000,64,12
        2023-11-16 18:15:47.0000000,500,50
        """;

    [Fact]
    public async Task Five_requests_complete_in_both_modes_and_the_report_adds_up()
    {
        string trace = model.File("five.csv");
        await File.WriteAllTextAsync(trace, Csv);
        TraceBenchOptions options = FiveRequests(trace);

        TraceReport report = await TraceBench.RunAsync(options, TextWriter.Null, CancellationToken.None);

        Assert.Equal(6, report.TraceRequests);
        Assert.Equal(5, report.Requests);                                    // the row at 1.0 s is past the slice
        Assert.Equal((40 + 90 + 17 + 100 + 64) / 5.0, report.MeanPromptTokens, 12);
        Assert.Equal((6 + 3 + 9 + 1 + 10) / 5.0, report.MeanMaxTokens, 12);
        Assert.Equal(["disaggregated", "colocated"], report.Modes.Select(m => m.Report.Mode));
        foreach (ModeReport m in report.Modes.Select(m => m.Report))
        {
            Assert.True(m.Failed == 0, string.Join("; ", m.FirstErrors));
            Assert.Equal((5, 5, 0), (m.Requests, m.Completed, m.Rejected));
            Assert.Equal(40 + 90 + 17 + 100 + 64, m.PromptTokens);          // token-exact prompts
            Assert.Equal(6 + 3 + 9 + 1 + 10, m.OutputTokens);               // EOS ignored: every token asked for
            Assert.Equal(5, m.Good);                                         // targets no run can miss
            Assert.True(m.MakespanSeconds >= 0.45, $"makespan {m.MakespanSeconds} s ends before the last send");
            Assert.Equal(m.Completed / m.MakespanSeconds, m.RequestsPerSecond, 12);
            Assert.True(m.TtftMs!.P50 <= m.TtftMs.P90 && m.TtftMs.P90 <= m.TtftMs.P99);
            Assert.NotNull(m.TpotMs);                                        // four requests have ≥ 2 tokens
        }
        Assert.NotNull(report.Pair);

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(TraceJson.Of(report), TraceJsonContext.Default.TraceJson));
        JsonElement root = json.RootElement;
        Assert.Equal(5, root.GetProperty("requests").GetInt32());
        Assert.Equal(2, root.GetProperty("modes").GetArrayLength());
        JsonElement ratios = root.GetProperty("ratios_disagg_over_coloc");
        Assert.Equal(1.0, ratios.GetProperty("completed").GetDouble());
        Assert.Equal(JsonValueKind.Null, ratios.GetProperty("rejected_429").ValueKind);            // 0 / 0
        Assert.True(ratios.GetProperty("goodput_req_per_s").GetDouble() > 0);
        Assert.True(root.GetProperty("modes")[0].GetProperty("ttft_ms").TryGetProperty("p99", out _));
    }

    [Fact]
    public async Task An_offline_batch_beside_the_replay_completes_and_is_reported()
    {
        string trace = model.File("five-offline.csv");
        await File.WriteAllTextAsync(trace, Csv);
        TraceBenchOptions options = FiveRequests(trace) with { Modes = [TraceMode.Disaggregated], OfflineRequests = 3, OfflineTokens = 20 };

        TraceReport report = await TraceBench.RunAsync(options, TextWriter.Null, CancellationToken.None);

        ModeRun run = Assert.Single(report.Modes);
        Assert.Equal(5, run.Report.Completed);
        Assert.Equal((3, 3), (run.Offline!.Sent, run.Offline.Completed));
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(TraceJson.Of(report), TraceJsonContext.Default.TraceJson));
        Assert.Equal(3, json.RootElement.GetProperty("modes")[0].GetProperty("offline").GetProperty("completed").GetInt32());
        Assert.Throws<ArgumentException>(() => (options with { OfflineRequests = -1 }).Validate());
    }

    /// <summary>The five-request replay of <paramref name="trace"/> on the tiny model, with targets no run can miss.</summary>
    private TraceBenchOptions FiveRequests(string trace) => new()
    {
        TracePath = trace,
        ModelPath = model.Path,
        Shape = new TraceShape { SliceStart = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(0.5), TimeScale = 1, TokenScale = 1, MaxPrompt = 100, MaxGen = 10 },
        Targets = new SloTargets(TtftMs: 60_000, TpotMs: 60_000),
        Threads = 1,
        Drain = TimeSpan.FromSeconds(60),
    };

    [Fact]
    public async Task A_repeated_Mooncake_prefix_is_served_from_the_cache()
    {
        string trace = model.File("pair.jsonl");
        await File.WriteAllTextAsync(trace, """
            {"timestamp": 0, "input_length": 1024, "output_length": 4, "hash_ids": [1, 2]}
            {"timestamp": 300, "input_length": 1100, "output_length": 4, "hash_ids": [1, 2, 3]}
            """);
        var options = new TraceBenchOptions
        {
            TracePath = trace,
            ModelPath = model.Path,
            Shape = new TraceShape { SliceStart = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(1), TimeScale = 1, TokenScale = 0.0625, MaxPrompt = 200, MaxGen = 4 },
            Modes = [TraceMode.Colocated],
            ColocatedWorkers = 1,
            Threads = 1,
        };

        TraceReport report = await TraceBench.RunAsync(options, TextWriter.Null, CancellationToken.None);

        ModeReport m = Assert.Single(report.Modes).Report;
        Assert.Equal(2, m.Completed);
        Assert.Equal(64 + 69, m.PromptTokens);                              // 1024/16, 1100/16 rounded
        // Blocks stand for 32 tokens: the first prompt is BOS + block 1 + 31 tokens of block 2, all of it a prefix of the
        // second (BOS + blocks 1, 2 + 4 tokens of block 3), so its four full 16-token KV blocks come from the cache.
        Assert.Equal(64, m.CachedPromptTokens);
    }
}
