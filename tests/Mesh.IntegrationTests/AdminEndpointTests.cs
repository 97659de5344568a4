using System.Net;
using System.Text.Json;
using Mesh.Contracts;
using Mesh.Host;
using Mesh.IntegrationTests.Support;
using FinishReason = Mesh.Contracts.FinishReason;

namespace Mesh.IntegrationTests;

/// <summary>The operators' drill endpoints (<c>mesh serve --admin</c>) over real HTTP against the in-process mesh.</summary>
public sealed class AdminEndpointTests(TinyModel model) : IClassFixture<TinyModel>
{
    [Fact]
    public async Task Workers_are_listed_and_a_drained_worker_gets_no_new_work_until_undrained()
    {
        await using Harness mesh = await Harness.StartAsync(model.Path, new EmbeddedOptions { PrefillWorkers = 2 },
            settings: new Dictionary<string, string?> { ["Mesh:Worker:ReportInterval"] = "00:00:00.100" });

        JsonElement workers = await GetAsync(mesh, "/admin/workers");
        Assert.Equal(["prefill-0", "prefill-1", "decode-0"], workers.EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        Assert.Equal(["prefill"], workers[0].GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.All(workers.EnumerateArray(), w => Assert.Equal("serving", w.GetProperty("state").GetString()));

        JsonElement drained = await PostAsync(mesh, "/admin/workers/prefill-0/drain", HttpStatusCode.OK);
        Assert.Equal("draining", drained.GetProperty("state").GetString());
        await mesh.SchedulerSeesAsync("prefill-0", w => w.Draining);   // a report saying so reached the scheduler
        (long before, _) = await mesh.ComputedAsync("prefill-0");
        for (int i = 0; i < 3; i++)
        {
            RequestReplies replies = await mesh.RunAsync(Harness.Request(new TokenPrompt(TinyModel.Prompt(i, 20)), new SamplingParameters(MaxTokens: 3, Seed: 1)));
            Assert.Equal(FinishReason.Length, Assert.IsType<Completed>(await replies.End).FinishReason);
        }
        (long after, _) = await mesh.ComputedAsync("prefill-0");
        Assert.Equal(before, after);

        Assert.Equal("serving", (await PostAsync(mesh, "/admin/workers/prefill-0/undrain", HttpStatusCode.OK)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Killing_a_worker_leaves_it_dead_and_unknown_ids_are_404()
    {
        await using Harness mesh = await Harness.StartAsync(model.Path, new EmbeddedOptions { DecodeWorkers = 2 });

        JsonElement killed = await PostAsync(mesh, "/admin/workers/decode-1/kill", HttpStatusCode.OK);
        Assert.Equal(("decode-1", "dead"), (killed.GetProperty("id").GetString(), killed.GetProperty("state").GetString()));
        Assert.Contains("no engine worker 'nope'", (await PostAsync(mesh, "/admin/workers/nope/kill", HttpStatusCode.NotFound)).GetProperty("error").GetString(),
            StringComparison.Ordinal);

        // The mesh goes on serving on the workers left.
        RequestReplies replies = await mesh.RunAsync(Harness.Request(new TokenPrompt(TinyModel.Prompt(9, 20)), new SamplingParameters(MaxTokens: 4, Seed: 1)));
        Assert.IsType<Completed>(await replies.End);
        Assert.Equal(0, (await PostAsync(mesh, "/admin/scheduler/restart", HttpStatusCode.OK)).GetProperty("recovered").GetInt32());
    }

    [Fact]
    public async Task The_scheduler_exports_ttft_tpot_goodput_and_queue_depths_on_metrics()
    {
        await using Harness mesh = await Harness.StartAsync(model.Path, new EmbeddedOptions(), serviceDefaults: true);
        for (int i = 0; i < 2; i++)
        {
            RequestReplies replies = await mesh.RunAsync(Harness.Request(new TokenPrompt(TinyModel.Prompt(i, 20)), new SamplingParameters(MaxTokens: 6, Seed: 1)));
            Assert.IsType<Completed>(await replies.End);
        }
        string[] expected =
        [
            "mesh_scheduler_ttft_seconds_count",
            "mesh_scheduler_tpot_seconds_count",
            "mesh_scheduler_finished_total{otel_scope_name=\"Mesh.Scheduler\",met_targets=",
            "mesh_scheduler_queue_depth{otel_scope_name=\"Mesh.Scheduler\",stage=\"waiting\"} 0",
        ];

        // the queue depths appear once a scheduler tick has published them
        string metrics = "";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!expected.All(e => metrics.Contains(e, StringComparison.Ordinal)) && !timeout.IsCancellationRequested)
        {
            metrics = await mesh.Http.GetStringAsync("/metrics");
            await Task.Delay(50);
        }

        Assert.All(expected, e => Assert.Contains(e, metrics, StringComparison.Ordinal));
    }

    private static async Task<JsonElement> GetAsync(Harness mesh, string path)
    {
        using HttpResponseMessage response = await mesh.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<JsonElement> PostAsync(Harness mesh, string path, HttpStatusCode expected)
    {
        using HttpResponseMessage response = await mesh.Http.PostAsync(path, null);
        Assert.Equal(expected, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
