using System.Net;

namespace Mesh.Dapr.Tests;

/// <summary>
/// Services that subscribe to nothing under Dapr: attention (no attention task reaches it yet; it only heartbeats) and
/// kvcache (it publishes KvEvents, and KV bytes travel on its data plane). daprd still asks them; they list no topic.
/// </summary>
public sealed class QuietServicesTests
{
    [Theory]
    [InlineData("Mesh.AttentionServer")]
    [InlineData("Mesh.KvCache")]
    public async Task Lists_no_subscription_and_maps_no_topic_route(string service)
    {
        await using FakeDaprSidecar sidecar = await FakeDaprSidecar.StartAsync();
        await using ServiceApp app = ServiceApp.Start(service, sidecar.GrpcEndpoint, new Dictionary<string, string?>());

        await Subscriptions.AssertExactlyAsync(app.Client);
        using HttpResponseMessage stray = await app.Client.SendAsync(CloudEvents.Delivery(Deliveries.RouteOf("mesh.attention"), "mesh.attention", null));

        Assert.Equal(HttpStatusCode.NotFound, stray.StatusCode); // daprd sends a message to a route the app lacks to its dead-letter topic
    }
}
