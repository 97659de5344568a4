using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Bus.Tests;

/// <summary>What daprd sees of a Mesh service: <c>GET /dapr/subscribe</c> and the status answers of topic routes.</summary>
public sealed class SubscriptionEndpointTests
{
    private const string PrefillRoute = "/mesh/topics/mesh.prefill";

    private static JsonNode PrefillJson(string requestId) =>
        JsonNode.Parse(JsonSerializer.Serialize(Messages.Prefill(requestId), MeshJsonContext.Default.PrefillTask))!;

    private static async Task<string?> StatusOf(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"];
    }

    [Fact]
    public async Task Subscribe_lists_every_topic_with_route_pubsub_and_dead_letter_topic()
    {
        await using DaprTestApp app = await DaprTestApp.StartAsync(bus => bus
            .Subscribe<PrefillTask>(Topics.Prefill, (_, _) => Task.FromResult(HandlerResult.Success))
            .Subscribe<ReplyMessage>(Topics.RepliesFor("gw-1"), (_, _) => Task.FromResult(HandlerResult.Success), new SubscriptionOptions { DeadLetterTopic = "mesh.poison" }));

        JsonArray listed = JsonNode.Parse(await app.Client.GetStringAsync("/dapr/subscribe"))!.AsArray();

        JsonArray expected = JsonNode.Parse("""
            [
              {"topic":"mesh.prefill","pubsubName":"pubsub","route":"mesh/topics/mesh.prefill","deadLetterTopic":"mesh.prefill.deadletter"},
              {"topic":"mesh.replies.gw-1","pubsubName":"pubsub","route":"mesh/topics/mesh.replies.gw-1","deadLetterTopic":"mesh.poison"}
            ]
            """)!.AsArray();
        Assert.Equal(2, listed.Count);
        foreach (JsonNode? entry in expected)
            Assert.True(listed.Any(l => JsonNode.DeepEquals(l, entry)), $"Missing {entry!.ToJsonString()} in {listed.ToJsonString()}");
    }

    [Fact]
    public async Task A_cloud_event_is_unwrapped_handled_and_answered_SUCCESS()
    {
        var seen = new MessageLog<PrefillTask>();
        await using DaprTestApp app = await DaprTestApp.StartAsync(bus => bus
            .Subscribe<PrefillTask>(Topics.Prefill, (m, _) => { seen.Add(m); return Task.FromResult(HandlerResult.Success); }));

        HttpResponseMessage response = await app.Client.SendAsync(CloudEvents.Delivery(PrefillRoute, Topics.Prefill, PrefillJson("r1")));

        Assert.Equal("SUCCESS", await StatusOf(response));
        PrefillTask received = Assert.Single(seen.Entries);
        Assert.Equal("r1", received.Envelope.RequestId.Value);
        Assert.Equal([1, 2, 3], received.TokenIds);
        Assert.Equal(7, received.Sampling.Seed);
    }

    [Fact]
    public async Task A_handler_asking_for_a_retry_or_throwing_answers_RETRY()
    {
        await using DaprTestApp app = await DaprTestApp.StartAsync(bus => bus
            .Subscribe<PrefillTask>(Topics.Prefill, (_, _) => Task.FromResult(HandlerResult.Retry))
            .Subscribe<CancelRequest>(Topics.Cancellations, (_, _) => throw new InvalidOperationException("boom")));
        JsonNode cancel = JsonNode.Parse(JsonSerializer.Serialize(Messages.Cancel("r2"), MeshJsonContext.Default.CancelRequest))!;

        HttpResponseMessage retry = await app.Client.SendAsync(CloudEvents.Delivery(PrefillRoute, Topics.Prefill, PrefillJson("r1")));
        HttpResponseMessage threw = await app.Client.SendAsync(CloudEvents.Delivery("/mesh/topics/mesh.cancellations", Topics.Cancellations, cancel));

        Assert.Equal("RETRY", await StatusOf(retry));
        Assert.Equal("RETRY", await StatusOf(threw));
    }

    [Fact]
    public async Task A_handler_asking_to_drop_answers_DROP()
    {
        await using DaprTestApp app = await DaprTestApp.StartAsync(bus => bus
            .Subscribe<PrefillTask>(Topics.Prefill, (_, _) => Task.FromResult(HandlerResult.Drop)));

        HttpResponseMessage response = await app.Client.SendAsync(CloudEvents.Delivery(PrefillRoute, Topics.Prefill, PrefillJson("r1")));

        Assert.Equal("DROP", await StatusOf(response));
    }

    public static TheoryData<string, string> MalformedData() => new()
    {
        { "wrong shape", """{"envelope":5}""" },
        { "missing members", """{"model":"tiny"}""" },
        { "a JSON string", "\"not a prefill task\"" },
        { "JSON null", "null" },
    };

    [Theory]
    [MemberData(nameof(MalformedData))]
    public async Task Malformed_data_answers_DROP_without_calling_the_handler(string name, string data)
    {
        var seen = new MessageLog<PrefillTask>();
        await using DaprTestApp app = await DaprTestApp.StartAsync(bus => bus
            .Subscribe<PrefillTask>(Topics.Prefill, (m, _) => { seen.Add(m); return Task.FromResult(HandlerResult.Success); }));

        HttpResponseMessage response = await app.Client.SendAsync(CloudEvents.Delivery(PrefillRoute, Topics.Prefill, JsonNode.Parse(data)));

        Assert.True("DROP" == await StatusOf(response), name);
        Assert.Equal(0, seen.Count);
    }

    [Fact]
    public async Task A_redelivered_message_is_answered_SUCCESS_without_running_the_handler_again()
    {
        var seen = new MessageLog<PrefillTask>();
        await using DaprTestApp app = await DaprTestApp.StartAsync(bus => bus
            .Subscribe<PrefillTask>(Topics.Prefill, (m, _) => { seen.Add(m); return Task.FromResult(HandlerResult.Success); }));

        HttpResponseMessage first = await app.Client.SendAsync(CloudEvents.Delivery(PrefillRoute, Topics.Prefill, PrefillJson("r1")));
        HttpResponseMessage again = await app.Client.SendAsync(CloudEvents.Delivery(PrefillRoute, Topics.Prefill, PrefillJson("r1")));

        Assert.Equal("SUCCESS", await StatusOf(first));
        Assert.Equal("SUCCESS", await StatusOf(again));
        Assert.Equal(1, seen.Count);
    }

    [Fact]
    public async Task A_polymorphic_reply_is_read_through_its_discriminator()
    {
        var seen = new MessageLog<ReplyMessage>();
        string topic = Topics.RepliesFor("gw-1");
        await using DaprTestApp app = await DaprTestApp.StartAsync(bus => bus
            .Subscribe<ReplyMessage>(topic, (m, _) => { seen.Add(m); return Task.FromResult(HandlerResult.Success); }));
        ReplyMessage chunk = new TokenChunk(Messages.Envelope("r1"), 0, 5, [42], "hi");
        JsonNode data = JsonNode.Parse(JsonSerializer.Serialize(chunk, MeshJsonContext.Default.ReplyMessage))!;

        HttpResponseMessage response = await app.Client.SendAsync(CloudEvents.Delivery("/mesh/topics/" + topic, topic, data));

        Assert.Equal("SUCCESS", await StatusOf(response));
        Assert.Equal(5, Assert.IsType<TokenChunk>(Assert.Single(seen.Entries)).Sequence);
    }

    [Fact]
    public async Task Two_subscriptions_to_one_topic_are_refused_under_Dapr()
    {
        MeshBusException error = await Assert.ThrowsAsync<MeshBusException>(() => DaprTestApp.StartAsync(bus => bus
            .Subscribe<PrefillTask>(Topics.Prefill, (_, _) => Task.FromResult(HandlerResult.Success))
            .Subscribe<PrefillTask>(Topics.Prefill, (_, _) => Task.FromResult(HandlerResult.Success))));

        Assert.Contains("mesh.prefill", error.Message);
    }

    [Fact]
    public async Task In_process_mode_maps_no_Dapr_endpoints()
    {
        await using DaprTestApp app = await DaprTestApp.StartAsync(
            bus => bus.Subscribe<PrefillTask>(Topics.Prefill, (_, _) => Task.FromResult(HandlerResult.Success)),
            mode: "InProcess");

        HttpResponseMessage response = await app.Client.GetAsync("/dapr/subscribe");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
