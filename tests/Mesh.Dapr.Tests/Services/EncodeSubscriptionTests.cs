using System.Text.Json.Nodes;
using Mesh.Contracts;

namespace Mesh.Dapr.Tests;

/// <summary>Mesh.Encode under Dapr: the shared encode topic; every media item is refused (no encoder in this build).</summary>
public sealed class EncodeSubscriptionTests : IAsyncLifetime
{
    private FakeDaprSidecar _sidecar = null!;
    private ServiceApp _app = null!;

    public async Task InitializeAsync()
    {
        _sidecar = await FakeDaprSidecar.StartAsync();
        _app = ServiceApp.Start("Mesh.Encode", _sidecar.GrpcEndpoint, new Dictionary<string, string?> { ["Mesh:Encode:Id"] = "encode-t" });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _sidecar.DisposeAsync();
    }

    private static EncodeTask Task(string request) =>
        new(Deliveries.Envelope(request), TinyModelFile.Name, 1, new MediaRef("sha256:ab12", "image/png", "blob://media/ab12"));

    [Fact]
    public async Task Subscribes_to_the_encode_topic_with_its_dead_letter_topic()
    {
        await Subscriptions.AssertExactlyAsync(_app.Client, Subscriptions.Entry("mesh.encode", "mesh.encode.deadletter"));
    }

    [Fact]
    public async Task A_media_item_is_answered_SUCCESS_after_its_refusal_is_published()
    {
        string status = await _app.Client.DeliverAsync("mesh.encode", Task("enc-1"));

        Assert.Equal("SUCCESS", status);
        Failed failed = await Published.WaitAsync<Failed>(_sidecar, "mesh.stage.failed", f => f.Envelope.RequestId.Value == "enc-1");
        Assert.Equal((FailureCodes.InvalidRequest, false, "encode-t"), (failed.Code, failed.Retryable, failed.Worker?.Value));
        Assert.Contains("media item 1", failed.Message);
    }

    [Fact]
    public async Task Malformed_bodies_are_answered_DROP_and_nothing_is_published()
    {
        foreach (JsonNode? body in Deliveries.Malformed()) Assert.Equal("DROP", await _app.Client.DeliverAsync("mesh.encode", body));

        Assert.Empty(Published.On<Failed>(_sidecar, "mesh.stage.failed"));
    }

    [Fact]
    public async Task A_refusal_that_cannot_reach_the_sidecar_is_answered_RETRY()
    {
        await _sidecar.DisposeAsync();

        Assert.Equal("RETRY", await _app.Client.DeliverAsync("mesh.encode", Task("enc-2")));
    }
}
