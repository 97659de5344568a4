using System.Text.Json.Nodes;
using Mesh.Contracts;

namespace Mesh.Dapr.Tests;

/// <summary>
/// Mesh.Scheduler under Dapr: requests, cancellations, every stage result, decode checkpoints, worker reports and the prefill/decode
/// dead-letter topics (where poison stage messages end the request). Tokenizer of the tiny model; no workers.
/// </summary>
public sealed class SchedulerSubscriptionTests(TinyModelFile model) : IClassFixture<TinyModelFile>, IAsyncLifetime
{
    private const string ReplyTopic = "mesh.replies.client-t";

    private FakeDaprSidecar _sidecar = null!;
    private ServiceApp _app = null!;

    public async Task InitializeAsync()
    {
        _sidecar = await FakeDaprSidecar.StartAsync();
        _app = ServiceApp.Start("Mesh.Scheduler", _sidecar.GrpcEndpoint, new Dictionary<string, string?>
        {
            ["Mesh:Scheduler:Model"] = model.Path,
            ["Mesh:Scheduler:ModelName"] = TinyModelFile.Name,
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _sidecar.DisposeAsync();
    }

    private static InferenceRequest Request(string id, string model = TinyModelFile.Name) =>
        new(Deliveries.Envelope(id), model, new TextPrompt("Once upon a time"), new SamplingParameters(MaxTokens: 4, Seed: 3), ReplyTopic, Stream: true);

    [Fact]
    public async Task Subscribes_to_requests_results_reports_and_the_stage_dead_letter_topics()
    {
        await Subscriptions.AssertExactlyAsync(_app.Client,
            Subscriptions.Entry("mesh.requests", "mesh.requests.deadletter"),
            Subscriptions.Entry("mesh.cancellations", "mesh.cancellations.deadletter"),
            Subscriptions.Entry("mesh.prefill.done", "mesh.prefill.done.deadletter"),
            Subscriptions.Entry("mesh.decode.done", "mesh.decode.done.deadletter"),
            Subscriptions.Entry("mesh.decode.checkpoints", "mesh.decode.checkpoints.deadletter"),
            Subscriptions.Entry("mesh.stage.failed", "mesh.stage.failed.deadletter"),
            Subscriptions.Entry("mesh.encode.done", "mesh.encode.done.deadletter"),
            Subscriptions.Entry("mesh.workers.load", "mesh.workers.load.deadletter"),
            Subscriptions.Entry("mesh.prefill.deadletter", "mesh.prefill.deadletter.deadletter"),
            Subscriptions.Entry("mesh.decode.deadletter", "mesh.decode.deadletter.deadletter"),
            Subscriptions.Entry("mesh.encode.deadletter", "mesh.encode.deadletter.deadletter"));
    }

    [Fact]
    public async Task Requests_cancellations_and_worker_reports_are_answered_SUCCESS()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var report = new WorkerLoadReport(new WorkerId("prefill-x"), [WorkerRole.Prefill], [new RoleQueueDepth(WorkerRole.Prefill, 0, 0)],
            0, 64, 64, now, now.AddSeconds(3), MaxSequences: 4, Model: TinyModelFile.Name);

        Assert.Equal("SUCCESS", await _app.Client.DeliverAsync("mesh.requests", Request("sch-1")));
        Assert.Equal("SUCCESS", await _app.Client.DeliverAsync("mesh.cancellations", new CancelRequest(Deliveries.Envelope("sch-1"), "client went away")));
        Assert.Equal("SUCCESS", await _app.Client.DeliverAsync("mesh.workers.load", report));
    }

    [Fact]
    public async Task A_refused_request_is_answered_SUCCESS_once_its_failure_reached_the_reply_topic()
    {
        string status = await _app.Client.DeliverAsync("mesh.requests", Request("sch-2", model: "no-such-model"));

        Assert.Equal("SUCCESS", status);
        ReplyMessage reply = await Published.WaitAsync<ReplyMessage>(_sidecar, ReplyTopic, r => r.Envelope.RequestId.Value == "sch-2");
        Failed failed = Assert.IsType<Failed>(reply);
        Assert.Equal((FailureCodes.InvalidRequest, false), (failed.Code, failed.Retryable));
        Assert.Contains("no-such-model", failed.Message);
    }

    [Fact]
    public async Task Malformed_bodies_are_answered_DROP_on_every_route()
    {
        string[] topics = await Subscriptions.TopicsAsync(_app.Client);

        Assert.Equal(11, topics.Length);
        foreach (string topic in topics)
            foreach (JsonNode? body in Deliveries.Malformed())
                Assert.True("DROP" == await _app.Client.DeliverAsync(topic, body), $"{topic}: {body?.ToJsonString()}");
    }

    [Fact]
    public async Task A_refusal_that_cannot_reach_the_sidecar_is_answered_RETRY()
    {
        await _sidecar.DisposeAsync();

        Assert.Equal("RETRY", await _app.Client.DeliverAsync("mesh.requests", Request("sch-3", model: "no-such-model")));
    }
}
