using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Contracts;

namespace Mesh.Dapr.Tests;

/// <summary>
/// Mesh.Gateway under Dapr: one subscription, this instance's reply topic. Replies for a waiting request are queued
/// (SUCCESS), late ones acknowledged (SUCCESS), a full queue asks for redelivery (RETRY), garbage is dead-lettered (DROP).
/// </summary>
public sealed class GatewaySubscriptionTests
{
    private const string Chat = """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"max_tokens":8}""";

    [Fact]
    public async Task Subscribes_to_its_instance_reply_topic_only()
    {
        await using GatewayOverDapr gateway = await GatewayOverDapr.StartAsync();

        await Subscriptions.AssertExactlyAsync(gateway.App.Client, Subscriptions.Entry("mesh.replies.gw-dapr", "mesh.replies.gw-dapr.deadletter"));
    }

    [Fact]
    public async Task A_chat_completion_round_trips_through_the_sidecar_and_the_reply_route()
    {
        await using GatewayOverDapr gateway = await GatewayOverDapr.StartAsync();

        (Task<HttpResponseMessage> answer, InferenceRequest request) = await gateway.SubmitAsync("/v1/chat/completions", Chat);
        MessageEnvelope e = request.Envelope;

        Assert.Equal((GatewayOverDapr.ReplyTopic, "tiny", false), (request.ReplyTopic, request.Model, request.Stream));
        Assert.Equal("SUCCESS", await gateway.ReplyAsync(new TokenChunk(e, 0, 0, [5, 6], "Hello")));
        Assert.Equal("SUCCESS", await gateway.ReplyAsync(new TokenChunk(e, 0, 1, [7], " there")));
        Assert.Equal("SUCCESS", await gateway.ReplyAsync(new Completed(e, 0, FinishReason.Stop, new Usage(4, 3, 0))));
        using HttpResponseMessage response = await answer;
        JsonElement body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hello there", body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(3, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        // The client has its answer: a redelivered or late reply is acknowledged, not retried forever.
        Assert.Equal("SUCCESS", await gateway.ReplyAsync(new TokenChunk(e, 0, 1, [7], " there")));
    }

    [Fact]
    public async Task Malformed_bodies_are_answered_DROP()
    {
        await using GatewayOverDapr gateway = await GatewayOverDapr.StartAsync();

        foreach (JsonNode? body in Deliveries.Malformed())
            Assert.Equal("DROP", await gateway.App.Client.DeliverAsync(GatewayOverDapr.ReplyTopic, body));
        // A reply written without its kind cannot be told apart from the other reply types.
        Assert.Equal("DROP", await gateway.App.Client.DeliverAsync(GatewayOverDapr.ReplyTopic,
            Deliveries.Json(new TokenChunk(Deliveries.Envelope("gw-1"), 0, 0, [1], "a"))));
    }

    [Fact]
    public async Task A_reply_for_a_client_that_stopped_reading_is_answered_RETRY_once_its_queue_is_full()
    {
        await using GatewayOverDapr gateway = await GatewayOverDapr.StartAsync(replyBufferCapacity: 1);
        using var stop = new CancellationTokenSource();
        (Task<HttpResponseMessage> answer, InferenceRequest request) = await gateway.SubmitAsync(
            "/v1/chat/completions", Chat.Replace("\"max_tokens\":8", "\"max_tokens\":8,\"stream\":true"), stop.Token);
        MessageEnvelope e = request.Envelope;

        // The client never reads: one large chunk fills the response pipe, the gateway's writer waits on it, and the
        // request's one-slot queue fills with the next reply.
        Assert.Equal("SUCCESS", await gateway.ReplyAsync(new TokenChunk(e, 0, 0, [5], new string('x', 256 * 1024))));
        List<string> answers = [];
        for (int sequence = 1; sequence <= 20 && !answers.Contains("RETRY"); sequence++)
            answers.Add(await gateway.ReplyAsync(new TokenChunk(e, 0, sequence, [6], "y")));

        Assert.Contains("RETRY", answers);
        Assert.All(answers[..^1], a => Assert.Equal("SUCCESS", a));
        await stop.CancelAsync();
        try
        {
            (await answer).Dispose();
        }
        catch (OperationCanceledException)
        {
            // The answer had not started; cancelling it is enough.
        }
    }
}
