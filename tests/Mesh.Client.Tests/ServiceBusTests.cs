using System.Text;
using System.Text.Json;
using Azure.Messaging;
using Azure.Messaging.ServiceBus;
using Mesh.Contracts;

namespace Mesh.Client.Tests;

/// <summary>
/// <see cref="ServiceBusSubmitter"/> without Azure: the exact message it sends, replies parsed from CloudEvents as
/// Dapr publishes them, and a whole request over a fake client.
/// </summary>
public sealed class ServiceBusTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static string Json(InferenceRequest r) => JsonSerializer.Serialize(r, MeshJsonContext.Default.InferenceRequest);

    private static string Json(ReplyMessage r) => JsonSerializer.Serialize(r, MeshJsonContext.Default.ReplyMessage);

    [Fact]
    public async Task The_request_message_is_a_structured_CloudEvent_with_id_priority_tenant_and_time_to_live()
    {
        var time = new ManualTime(Now);
        var options = new MeshClientOptions { ClientId = "sb-client", Tenant = new TenantId("acme"), RequestTimeout = TimeSpan.FromSeconds(90), Time = time };
        await using var submitter = new ServiceBusSubmitter(new FakeServiceBusClient(), options);
        InferenceRequest request = submitter.CreateRequest("tiny", new ChatPrompt([new("user", "Hi")]),
            new SamplingParameters(MaxTokens: 16, Seed: 3, Stop: ["x"]), stream: false, priority: Priority.Offline);
        time.Now = Now.AddSeconds(30);

        ServiceBusMessage message = submitter.CreateMessage(request);

        Assert.Equal("application/cloudevents+json", message.ContentType);
        Assert.Equal(request.Envelope.RequestId.Value, message.MessageId);
        Assert.Equal(new Dictionary<string, object> { ["priority"] = "offline", ["tenant"] = "acme" }, message.ApplicationProperties);
        Assert.Equal(TimeSpan.FromSeconds(60), message.TimeToLive);
        Assert.Null(message.SessionId);

        CloudEvent cloudEvent = CloudEvent.Parse(message.Body)!;
        Assert.Equal(request.Envelope.RequestId.Value, cloudEvent.Id);
        Assert.Equal("/mesh/clients/sb-client", cloudEvent.Source);
        Assert.Equal("mesh.InferenceRequest", cloudEvent.Type);
        Assert.Equal("application/json", cloudEvent.DataContentType);
        Assert.Equal(Now.AddSeconds(30), cloudEvent.Time);
        InferenceRequest carried = JsonSerializer.Deserialize(cloudEvent.Data!.ToString(), MeshJsonContext.Default.InferenceRequest)!;
        Assert.Equal(Json(request), Json(carried));
        Assert.Equal("mesh.replies.sb-client", carried.ReplyTopic);
        Assert.Equal("acme", carried.Envelope.TenantId.Value);

        using JsonDocument body = JsonDocument.Parse(message.Body.ToMemory());
        Assert.Equal("1.0", body.RootElement.GetProperty("specversion").GetString());
        Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("data").ValueKind);
        Assert.False(body.RootElement.TryGetProperty("data_base64", out _));
    }

    [Fact]
    public void Replies_are_read_from_the_CloudEvents_Dapr_publishes()
    {
        var envelope = new MessageEnvelope(new RequestId("req-1"), 1, Priority.Online, Now, new TenantId("default"));
        ReplyMessage[] replies =
        [
            new TokenChunk(envelope, 0, 4, [17, 18], "ab", [new SampledToken(17, -0.5f), new SampledToken(18, float.NegativeInfinity)]),
            new TokenChunk(envelope, 1, 0, [19], "c", FinishReason: FinishReason.Length),
            new Completed(envelope, 1, FinishReason.Length, new Usage(9, 1, 4)),
            new Failed(envelope, FailureCodes.WorkerLost, "decode-2 stopped heartbeating", true, new WorkerId("decode-2")),
        ];

        foreach (ReplyMessage reply in replies)
        {
            ReplyMessage read = MeshCloudEvents.ReadReply(DaprEvents.Received(DaprEvents.Reply(reply)).Body);
            Assert.Equal(reply.GetType(), read.GetType());
            Assert.Equal(Json(reply), Json(read));
        }
    }

    [Fact]
    public void Base64_string_and_bare_data_are_read_too()
    {
        var envelope = new MessageEnvelope(new RequestId("req-2"), 0, Priority.Offline, Now, new TenantId("t"));
        ReplyMessage reply = new Completed(envelope, 0, FinishReason.Stop, new Usage(3, 2, 0));
        string json = Json(reply);
        string base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
        string[] bodies =
        [
            $$"""{"specversion":"1.0","id":"e1","source":"decode","type":"mesh.Completed","datacontenttype":"application/octet-stream","data_base64":"{{base64}}"}""",
            $$"""{"specversion":"1.0","id":"e2","source":"decode","type":"mesh.Completed","datacontenttype":"text/plain","data":{{JsonSerializer.Serialize(json)}}}""",
            json,
        ];

        foreach (string body in bodies) Assert.Equal(json, Json(MeshCloudEvents.ReadReply(BinaryData.FromString(body))));
    }

    [Theory]
    [InlineData("not json", "not a CloudEvent")]
    [InlineData("[1]", "JSON object")]
    [InlineData("""{"specversion":"1.0","id":"e3","source":"s","type":"t"}""", "carries no data")]
    [InlineData("""{"specversion":"1.0","id":"e4","source":"s","type":"t","data":42}""", "Number data")]
    [InlineData("""{"specversion":"1.0","id":"e5","source":"s","type":"t","data":{"kind":"token","choiceIndex":0}}""", "not a CloudEvent with a Mesh reply")]
    public void A_body_that_is_not_a_reply_is_a_protocol_error(string body, string expected)
    {
        var error = Assert.Throws<MeshProtocolException>(() => MeshCloudEvents.ReadReply(BinaryData.FromString(body)));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task A_request_travels_out_and_its_replies_come_back_in_order()
    {
        var client = new FakeServiceBusClient();
        await using var submitter = new ServiceBusSubmitter(client, new MeshClientOptions { ClientId = "sb-client" });
        InferenceRequest request = submitter.CreateRequest("tiny", new TextPrompt("Once"));

        await using MeshReplyStream replies = await submitter.SubmitAsync(request);
        ServiceBusMessage sent = client.Senders[Topics.Requests].Sent.Single();
        InferenceRequest received = JsonSerializer.Deserialize(CloudEvent.Parse(sent.Body)!.Data!.ToString(), MeshJsonContext.Default.InferenceRequest)!;
        FakeReceiver receiver = client.Receiver!;
        var other = received with { Envelope = received.Envelope with { RequestId = new RequestId("req-not-mine") } };
        foreach (ReplyMessage reply in new ReplyMessage[]
        {
            ScriptedReplies.Chunk(received, 0, 1, " upon"),
            ScriptedReplies.Chunk(received, 0, 0, " Once", attempt: 1),
            ScriptedReplies.Chunk(received, 0, 0, " Once"),
            ScriptedReplies.Chunk(other, 0, 0, "?"),
            ScriptedReplies.Done(received, 0, FinishReason.Stop, 2, 3),
            ScriptedReplies.Chunk(received, 0, 2, " a time", finish: FinishReason.Stop),
        })
            receiver.Enqueue(DaprEvents.Received(DaprEvents.Reply(reply)));
        receiver.Enqueue(DaprEvents.Received("""{"specversion":"1.0","id":"junk","source":"x","type":"y"}"""));

        MeshCompletion answer = await replies.CollectAsync();
        await receiver.Completed.WaitForAsync(6);
        await receiver.DeadLettered.WaitForAsync(1);

        Assert.Equal(("mesh.replies.sb-client", "sb-client"), (receiver.Topic, receiver.Subscription));
        Assert.Equal(Json(request), Json(received));
        Assert.Equal(" Once upon a time", answer.Text);
        Assert.Equal([100, 101, 102], answer.Choices[0].TokenIds);
        Assert.Equal("NotAMeshReply", receiver.DeadLettered.Single().Reason);
        Assert.Equal(0, receiver.Abandoned.Count);
    }

    [Fact]
    public async Task A_full_reply_queue_abandons_the_message_so_it_comes_again()
    {
        var client = new FakeServiceBusClient();
        await using var submitter = new ServiceBusSubmitter(client, new MeshClientOptions { ClientId = "sb-small", ReplyBufferCapacity = 1 });
        InferenceRequest request = submitter.CreateRequest("tiny", new TextPrompt("p"));

        await using MeshReplyStream replies = await submitter.SubmitAsync(request);
        foreach (ReplyMessage reply in ScriptedReplies.Text(request, FinishReason.Stop, "a", "b", "c", "d"))
            client.Receiver!.Enqueue(DaprEvents.Received(DaprEvents.Reply(reply)));
        await client.Receiver!.Abandoned.WaitForAsync(1);
        MeshCompletion answer = await replies.CollectAsync();

        Assert.Equal("abcd", answer.Text);
    }

    [Fact]
    public async Task Leaving_a_stream_unfinished_sends_a_CancelRequest_CloudEvent()
    {
        var client = new FakeServiceBusClient();
        await using var submitter = new ServiceBusSubmitter(client, new MeshClientOptions { ClientId = "sb-client" });
        InferenceRequest request = submitter.CreateRequest("tiny", new TextPrompt("p"));

        MeshReplyStream replies = await submitter.SubmitAsync(request);
        await replies.DisposeAsync();

        ServiceBusMessage sent = client.Senders[Topics.Cancellations].Sent.Single();
        CloudEvent cloudEvent = CloudEvent.Parse(sent.Body)!;
        CancelRequest cancel = JsonSerializer.Deserialize(cloudEvent.Data!.ToString(), MeshJsonContext.Default.CancelRequest)!;
        Assert.Equal(MeshCloudEvents.ContentType, sent.ContentType);
        Assert.Equal($"{request.Envelope.RequestId.Value}/0/CancelRequest/0/0", sent.MessageId);
        Assert.Equal("mesh.CancelRequest", cloudEvent.Type);
        Assert.Equal(request.Envelope.RequestId, cancel.Envelope.RequestId);
        Assert.Equal("the client stopped reading", cancel.Reason);
    }

    [Fact]
    public async Task A_receiver_that_fails_ends_the_open_streams_with_a_connection_error()
    {
        var client = new FakeServiceBusClient();
        await using var submitter = new ServiceBusSubmitter(client, new MeshClientOptions { ClientId = "sb-client" });

        await using MeshReplyStream replies = await submitter.SubmitAsync(submitter.CreateRequest("tiny", new TextPrompt("p")));
        client.Receiver!.Fail(new UnauthorizedAccessException("Listen claim required"));
        var error = await Assert.ThrowsAsync<MeshConnectionException>(() => replies.CollectAsync());

        Assert.Contains("mesh.replies.sb-client/sb-client", error.Message);
        Assert.Contains("Listen claim required", error.Message);
    }
}
