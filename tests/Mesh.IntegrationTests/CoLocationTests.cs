using Mesh.Contracts;
using Mesh.Engine.Scheduling;
using Mesh.Host;
using Mesh.IntegrationTests.Support;
using Mesh.Scheduler.Telemetry;
using Mesh.Workers.Engine;
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
        // Online requests go in once offline decodes have saved a checkpoint: they are running, far from their end.
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Harness mesh = await Harness.StartAsync(model.Path, new EmbeddedOptions(), settings: new Dictionary<string, string?>
        {
            ["Mesh:Worker:MaxSequences"] = "2",
            ["Mesh:Worker:ReportInterval"] = "00:00:00.200",
        }, subscriptions: bus => bus.Subscribe<DecodeCheckpoint>(Topics.DecodeCheckpoints,
            (_, _) => { running.TrySetResult(); return Task.FromResult(Mesh.ServiceDefaults.Bus.HandlerResult.Success); },
            new Mesh.ServiceDefaults.Bus.SubscriptionOptions { Group = "itest" }));
        SamplingParameters offline = new(MaxTokens: 1200, Temperature: 0.8f, Seed: 11, IgnoreEos: true);
        // six offline requests for two decode slots: the slots stay full of offline work for three rounds of 1200
        // tokens, so the online requests find them taken however fast the engine decodes
        InferenceRequest[] batch = [.. Enumerable.Range(0, 6).Select(i => Offline(Harness.Request(new TokenPrompt(TinyModel.Prompt(20 + i, 30)), offline)))];
        GenerationResult[] expected = [.. batch.Select(r => model.Reference(((TokenPrompt)r.Prompt).TokenIds, SamplingMapper.ToEngine(offline)))];
        RequestReplies[] batchReplies = [.. batch.Select(r => mesh.Replies.For(r.Envelope.RequestId))];

        foreach (InferenceRequest r in batch) await mesh.Bus.PublishAsync(Topics.Requests, r);
        await running.Task.WaitAsync(TimeSpan.FromSeconds(30));
        RequestReplies[] online = await Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
            mesh.RunAsync(Harness.Request(new TokenPrompt(TinyModel.Prompt(40 + i, 24)), new SamplingParameters(MaxTokens: 8, Seed: 3)))));
        await Task.WhenAll(batchReplies.Select(r => r.End)).WaitAsync(TimeSpan.FromSeconds(120));

        foreach (RequestReplies r in online) Assert.Equal(FinishReason.Length, Assert.IsType<Completed>(await r.End).FinishReason);
        Assert.True(mesh.Services.GetRequiredService<SchedulerMetrics>().PreemptionCount > 0, "no offline decode was preempted");
        for (int i = 0; i < batch.Length; i++)
        {
            Assert.Equal(FinishReason.Length, Assert.IsType<Completed>(await batchReplies[i].End).FinishReason);
            Assert.Equal(expected[i].Ids, batchReplies[i].TokenIds);
            Assert.Empty(batchReplies[i].Conflicts);
        }
    }

    private static InferenceRequest Offline(InferenceRequest r) => r with { Envelope = r.Envelope with { Priority = Priority.Offline } };
}
