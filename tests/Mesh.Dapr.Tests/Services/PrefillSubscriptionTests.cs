using System.Text.Json.Nodes;
using Mesh.Contracts;

namespace Mesh.Dapr.Tests;

/// <summary>
/// Mesh.Prefill under Dapr: its own prefill and cancellation topics; a prompt is run, its KV written to the kvcache
/// service over h2c, and <see cref="PrefillDone"/> published before the route answers.
/// </summary>
public sealed class PrefillSubscriptionTests(TinyModelFile model, KvCacheService kvcache)
    : IClassFixture<TinyModelFile>, IClassFixture<KvCacheService>, IAsyncLifetime
{
    private FakeDaprSidecar _sidecar = null!;
    private ServiceApp _app = null!;

    public async Task InitializeAsync()
    {
        _sidecar = await FakeDaprSidecar.StartAsync();
        _app = ServiceApp.Start("Mesh.Prefill", _sidecar.GrpcEndpoint, WorkerSettings.For("prefill-t", model, kvcache.H2cUrl));
        kvcache.DataPlaneRequests.Clear();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _sidecar.DisposeAsync();
    }

    private static PrefillTask Task(string request, int[] prompt) =>
        new(Deliveries.Envelope(request), TinyModelFile.Name, prompt, new SamplingParameters(MaxTokens: 4, Seed: 9));

    [Fact]
    public async Task Subscribes_to_its_own_prefill_and_cancellation_topics()
    {
        await Subscriptions.AssertExactlyAsync(_app.Client,
            Subscriptions.Entry("mesh.prefill.prefill-t", "mesh.prefill.deadletter"),
            Subscriptions.Entry("mesh.cancellations.prefill-t", "mesh.cancellations.prefill-t.deadletter"));
    }

    [Fact]
    public async Task A_prompt_is_answered_SUCCESS_after_its_KV_went_over_h2c_and_PrefillDone_was_published()
    {
        int[] prompt = WorkerSettings.Prompt(seed: 1, count: 40);

        string status = await _app.Client.DeliverAsync("mesh.prefill.prefill-t", Task("pre-1", prompt));

        Assert.Equal("SUCCESS", status);
        PrefillDone done = Assert.Single(Published.On<PrefillDone>(_sidecar, "mesh.prefill.done"));
        Assert.Equal(("pre-1", "prefill-t", 40), (done.Envelope.RequestId.Value, done.Worker.Value, done.PromptTokenCount));
        Assert.Equal((KvTier.Ram, AppIds.KvCache, 40), (done.Kv.Tier, done.Kv.Owner.Value, done.Kv.TokenCount));
        Assert.Equal(3, done.Kv.Blocks.Length);
        Assert.True(await kvcache.Store.LookupPrefixAsync(done.Kv.ModelFingerprint, done.Kv.Blocks) == 3, "the kvcache does not hold the prefill's blocks");
        Assert.NotEmpty(kvcache.DataPlaneRequests);
        Assert.All(kvcache.DataPlaneRequests, r => Assert.Equal("HTTP/2", r.Protocol));
    }

    [Fact]
    public async Task A_cancellation_of_a_request_it_does_not_run_is_answered_SUCCESS()
    {
        Assert.Equal("SUCCESS", await _app.Client.DeliverAsync("mesh.cancellations.prefill-t", new CancelRequest(Deliveries.Envelope("pre-2"), "client went away")));
    }

    [Fact]
    public async Task Malformed_bodies_are_answered_DROP_on_every_route()
    {
        foreach (string topic in await Subscriptions.TopicsAsync(_app.Client))
            foreach (JsonNode? body in Deliveries.Malformed())
                Assert.True("DROP" == await _app.Client.DeliverAsync(topic, body), $"{topic}: {body?.ToJsonString()}");

        Assert.DoesNotContain(_sidecar.Runtime.Published, p => p.Topic is "mesh.prefill.done" or "mesh.stage.failed");
    }

    [Fact]
    public async Task A_prefill_whose_result_cannot_reach_the_sidecar_is_answered_RETRY()
    {
        await _sidecar.DisposeAsync();

        Assert.Equal("RETRY", await _app.Client.DeliverAsync("mesh.prefill.prefill-t", Task("pre-3", WorkerSettings.Prompt(seed: 2, count: 20))));
    }
}
