using Mesh.Contracts;
using Mesh.Engine.Scheduling;
using Mesh.Host;
using Mesh.IntegrationTests.Support;
using Mesh.Scheduler.Telemetry;
using Mesh.Workers.Engine;
using Mesh.Workers.Hosting;
using Microsoft.Extensions.DependencyInjection;
using FinishReason = Mesh.Contracts.FinishReason;

namespace Mesh.IntegrationTests;

/// <summary>
/// Offline work fills the decode worker; online requests that arrive take its slots by preempting offline decodes,
/// whose KV goes to the KV cache and which resume later from it. Nothing is dropped, and every offline result equals
/// a run that was never preempted.
/// </summary>
public sealed class CoLocationTests(TinyModel model) : IClassFixture<TinyModel>
{
    [Fact]
    public async Task Online_requests_preempt_offline_decodes_which_resume_from_their_kv_with_the_same_tokens()
    {
        SamplingParameters offline = new(MaxTokens: 1200, Temperature: 0.8f, Seed: 11, IgnoreEos: true);
        // six offline requests for two decode slots: three rounds of 1200 tokens
        InferenceRequest[] batch = [.. Enumerable.Range(0, 6).Select(i => Offline(Harness.Request(new TokenPrompt(TinyModel.Prompt(20 + i, 30)), offline)))];
        GenerationResult[] expected = [.. batch.Select(r => model.Reference(((TokenPrompt)r.Prompt).TokenIds, SamplingMapper.ToEngine(offline)))];
        // leases of 6 s: a 2-core machine starting the mesh (JIT, KV pools) once let 0.6 s ones lapse and retried both decodes
        await using Harness mesh = await Harness.StartAsync(model.Path, new EmbeddedOptions(), settings: new Dictionary<string, string?>
        {
            ["Mesh:Worker:MaxSequences"] = "2",
            ["Mesh:Worker:ReportInterval"] = "00:00:02",
        });
        RequestReplies[] batchReplies = [.. batch.Select(r => mesh.Replies.For(r.Envelope.RequestId))];

        // The decode engine is held still once it runs two offline decodes (both slots taken) and stays held until the
        // online requests, prefilled meanwhile on prefill-0, have found no room and preempted both. Sending them when a
        // checkpoint arrived raced the engine: a tiny model's 1200 tokens take a fraction of a second, so on a busy
        // machine they came while one offline decode had ended and the next not yet started, and took its slot.
        EngineWorker decode = await mesh.WorkerAsync("decode-0");
        using var hold = new SemaphoreSlim(0);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var released = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        int probing = 0;
        foreach (RequestReplies r in batchReplies)
            r.OnChunk = chunk =>
            {
                if (holding.Task.IsCompleted || Interlocked.CompareExchange(ref probing, 1, 0) != 0) return;
                _ = decode.Host.InvokeAsync(s =>
                {
                    if (s.Engine.RunningCount < 2) { Volatile.Write(ref probing, 0); return false; }
                    holding.TrySetResult();
                    released.TrySetResult(hold.Wait(TimeSpan.FromSeconds(60)));
                    return true;
                });
            };
        foreach (InferenceRequest r in batch) await mesh.Bus.PublishAsync(Topics.Requests, r);
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Task<RequestReplies[]> onlineRuns = Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
            mesh.RunAsync(Harness.Request(new TokenPrompt(TinyModel.Prompt(40 + i, 24)), new SamplingParameters(MaxTokens: 8, Seed: 3)))));
        SchedulerMetrics metrics = mesh.Services.GetRequiredService<SchedulerMetrics>();
        await Poll.UntilAsync(() => metrics.PreemptionCount >= 2 ? metrics : null);
        hold.Release();
        Assert.True(await released.Task, "the decode engine was held past its minute");
        RequestReplies[] online = await onlineRuns;
        await Task.WhenAll(batchReplies.Select(r => r.End)).WaitAsync(TimeSpan.FromSeconds(120));

        foreach (RequestReplies r in online) Assert.Equal(FinishReason.Length, Assert.IsType<Completed>(await r.End).FinishReason);
        for (int i = 0; i < batch.Length; i++)
        {
            Assert.Equal(FinishReason.Length, Assert.IsType<Completed>(await batchReplies[i].End).FinishReason);
            Assert.Equal(expected[i].Ids, batchReplies[i].TokenIds);
            Assert.Empty(batchReplies[i].Conflicts);
        }
    }

    private static InferenceRequest Offline(InferenceRequest r) => r with { Envelope = r.Envelope with { Priority = Priority.Offline } };
}
