using System.Text.Json.Nodes;
using Mesh.Contracts;
using Mesh.Engine.Scheduling;
using Mesh.Workers.Engine;
using FinishReason = Mesh.Contracts.FinishReason;

namespace Mesh.Dapr.Tests;

/// <summary>
/// Mesh.Decode under Dapr: its own decode and cancellation topics. A decode task made from a real prefill's result (a
/// Mesh.Prefill process, the KV in the kvcache service) streams the same tokens as one engine running the prompt.
/// </summary>
public sealed class DecodeSubscriptionTests(TinyModelFile model, KvCacheService kvcache)
    : IClassFixture<TinyModelFile>, IClassFixture<KvCacheService>, IAsyncLifetime
{
    private const string ReplyTopic = "mesh.replies.client-t";
    private static readonly SamplingParameters Sampling = new(MaxTokens: 6, Seed: 21, IgnoreEos: true);

    private FakeDaprSidecar _sidecar = null!;
    private ServiceApp _app = null!;

    public async Task InitializeAsync()
    {
        _sidecar = await FakeDaprSidecar.StartAsync();
        _app = ServiceApp.Start("Mesh.Decode", _sidecar.GrpcEndpoint, WorkerSettings.For("decode-t", model, kvcache.H2cUrl));
        kvcache.DataPlaneRequests.Clear();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _sidecar.DisposeAsync();
    }

    private static DecodeTask Task(PrefillDone done) =>
        new(done.Envelope, TinyModelFile.Name, done.Kv, done.FirstToken, 0, Sampling, ReplyTopic, [], 0, done.PromptTokenCount, done.CachedTokenCount);

    /// <summary>A decode task whose KV reference names another model's KV.</summary>
    private static DecodeTask Foreign(string request) =>
        new(Deliveries.Envelope(request), TinyModelFile.Name,
            new KvRef("other-model:0000", new KvLayout(KvDType.F32, 16, 2, 2, 16), [new BlockHash(1)], 5, new WorkerId(AppIds.KvCache), KvTier.Ram,
                DateTimeOffset.UtcNow.AddMinutes(1), "xxh64:0000000000000000"),
            new SampledToken(7, -0.5f), 0, Sampling, ReplyTopic, [], 0, 5, 0);

    [Fact]
    public async Task Subscribes_to_its_own_decode_and_cancellation_topics()
    {
        await Subscriptions.AssertExactlyAsync(_app.Client,
            Subscriptions.Entry("mesh.decode.decode-t", "mesh.decode.deadletter"),
            Subscriptions.Entry("mesh.cancellations.decode-t", "mesh.cancellations.decode-t.deadletter"));
    }

    [Fact]
    public async Task A_hand_off_from_prefill_is_answered_SUCCESS_and_streams_the_reference_tokens()
    {
        int[] prompt = WorkerSettings.Prompt(seed: 5, count: 37);
        await using ServiceApp prefill = ServiceApp.Start("Mesh.Prefill", _sidecar.GrpcEndpoint, WorkerSettings.For("prefill-t", model, kvcache.H2cUrl));
        Assert.Equal("SUCCESS", await prefill.Client.DeliverAsync("mesh.prefill.prefill-t",
            new PrefillTask(Deliveries.Envelope("dec-1"), TinyModelFile.Name, prompt, Sampling)));
        PrefillDone done = Assert.Single(Published.On<PrefillDone>(_sidecar, "mesh.prefill.done"));

        string status = await _app.Client.DeliverAsync("mesh.decode.decode-t", Task(done));

        Assert.Equal("SUCCESS", status);
        Completed completed = await Published.WaitAsync<Completed>(_sidecar, "mesh.decode.done", c => c.Envelope.RequestId.Value == "dec-1");
        int[] streamed = [.. Published.On<ReplyMessage>(_sidecar, ReplyTopic).OfType<TokenChunk>().OrderBy(c => c.Sequence).SelectMany(c => c.TokenIds)];
        Assert.Equal(Reference(prompt), streamed);
        Assert.Equal((FinishReason.Length, 37, 6), (completed.FinishReason, completed.Usage.PromptTokens, completed.Usage.CompletionTokens));
        Assert.Contains(kvcache.DataPlaneRequests, r => r.Path.EndsWith("/blocks/fetch", StringComparison.Ordinal));
        Assert.All(kvcache.DataPlaneRequests, r => Assert.Equal("HTTP/2", r.Protocol));
    }

    [Fact]
    public async Task KV_of_another_model_is_answered_SUCCESS_with_a_retryable_kv_mismatch()
    {
        string status = await _app.Client.DeliverAsync("mesh.decode.decode-t", Foreign("dec-2"));

        Assert.Equal("SUCCESS", status);
        Failed failed = await Published.WaitAsync<Failed>(_sidecar, "mesh.stage.failed", f => f.Envelope.RequestId.Value == "dec-2");
        Assert.Equal((FailureCodes.KvMismatch, true, "decode-t"), (failed.Code, failed.Retryable, failed.Worker?.Value));
    }

    [Fact]
    public async Task Malformed_bodies_are_answered_DROP_on_every_route()
    {
        foreach (string topic in await Subscriptions.TopicsAsync(_app.Client))
            foreach (JsonNode? body in Deliveries.Malformed())
                Assert.True("DROP" == await _app.Client.DeliverAsync(topic, body), $"{topic}: {body?.ToJsonString()}");
    }

    [Fact]
    public async Task A_failure_that_cannot_reach_the_sidecar_is_answered_RETRY()
    {
        await _sidecar.DisposeAsync();

        Assert.Equal("RETRY", await _app.Client.DeliverAsync("mesh.decode.decode-t", Foreign("dec-3")));
    }

    /// <summary>One engine running the prompt to the end: what the disaggregated path must stream.</summary>
    private int[] Reference(int[] prompt)
    {
        using var engine = new InferenceEngine(model.Model, new EngineOptions { Threads = 1, BlockSize = WorkerSettings.BlockSize, KvBlocks = 64 });
        return Generation.Run(engine, prompt, SamplingMapper.ToEngine(Sampling)).Ids;
    }
}
