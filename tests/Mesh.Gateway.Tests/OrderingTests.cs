using System.Net;
using System.Text.Json;
using Mesh.Contracts;
using Mesh.Gateway.Replies;

namespace Mesh.Gateway.Tests;

/// <summary>Each token chunk reaches the client once and in sequence order, whatever order and how often it arrives.</summary>
public sealed class OrderingTests
{
    private static readonly InferenceRequest Request = new(
        new MessageEnvelope(new RequestId("r"), 0, Priority.Online, DateTimeOffset.UnixEpoch, new TenantId("t")),
        "tiny", new TextPrompt("x"), new SamplingParameters(), "mesh.replies.gw", Stream: true);

    [Fact]
    public void Sequencer_lets_in_order_chunks_through_at_once()
    {
        var sequencer = new ChoiceSequencer();
        List<TokenChunk> ready = [];

        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 0, "a"), ready);
        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 1, "b"), ready);

        Assert.Equal(["a", "b"], ready.Select(c => c.TextDelta));
        Assert.Equal(2, sequencer.Next);
    }

    [Fact]
    public void Sequencer_holds_chunks_behind_a_gap_and_releases_them_in_order_when_it_fills()
    {
        var sequencer = new ChoiceSequencer();
        List<TokenChunk> ready = [];

        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 2, "c"), ready);
        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 1, "b"), ready);
        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 4, "e"), ready);
        Assert.Empty(ready);
        Assert.Equal(3, sequencer.Waiting);

        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 0, "a"), ready);

        Assert.Equal(["a", "b", "c"], ready.Select(c => c.TextDelta));
        Assert.Equal(3, sequencer.Next);
        Assert.Equal(1, sequencer.Waiting);
    }

    [Fact]
    public void Sequencer_drops_redelivered_chunks_delivered_or_waiting()
    {
        var sequencer = new ChoiceSequencer();
        List<TokenChunk> ready = [];

        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 0, "a"), ready);
        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 0, "a"), ready);
        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 2, "c"), ready);
        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 2, "c-again"), ready);
        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 1, "b"), ready);
        sequencer.Accept(ScriptedReplies.Chunk(Request, 0, 1, "b"), ready);

        Assert.Equal(["a", "b", "c"], ready.Select(c => c.TextDelta));
    }

    [Fact]
    public async Task Duplicated_and_out_of_order_chunks_stream_once_in_order()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        // Chunk 0 twice, 2 before 1, the completion before the last chunk, and a migrated decode (attempt 1)
        // repeating chunk 1 (a new delivery key, so only the sequence number can tell it is a duplicate).
        host.Backend.Script = r =>
        [
            ScriptedReplies.Chunk(r, 0, 0, "The"),
            ScriptedReplies.Chunk(r, 0, 2, " brown"),
            ScriptedReplies.Chunk(r, 0, 0, "The"),
            ScriptedReplies.Chunk(r, 0, 1, " quick"),
            ScriptedReplies.Chunk(r, 0, 1, " quick", attempt: 1),
            ScriptedReplies.Done(r, 0, FinishReason.Stop, 3, 4),
            ScriptedReplies.Chunk(r, 0, 2, " brown", attempt: 1),
            ScriptedReplies.Chunk(r, 0, 3, " fox", finish: FinishReason.Stop, attempt: 1),
        ];

        List<JsonElement> events = await Http.PostStreamAsync(host.Client, "/v1/completions", """{"model":"tiny","prompt":"x","stream":true}""");

        Assert.Equal(["The", " quick", " brown", " fox", ""], events.Select(e => e.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal("stop", events[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Completion_that_arrives_before_the_chunks_waits_for_them()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r =>
        [
            ScriptedReplies.Done(r, 0, FinishReason.Length, 3, 2),
            ScriptedReplies.Chunk(r, 0, 1, "B", finish: FinishReason.Length),
            ScriptedReplies.Chunk(r, 0, 0, "A"),
        ];

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, "/v1/completions", """{"model":"tiny","prompt":"x"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("AB", body.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_choice_without_tokens_finishes_on_its_completion()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r => [ScriptedReplies.Done(r, 0, FinishReason.Cancelled, 3, 0)];

        List<JsonElement> events = await Http.PostStreamAsync(host.Client, "/v1/chat/completions",
            """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"stream":true}""");

        Assert.Equal(2, events.Count);
        Assert.Equal("assistant", events[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("abort", events[1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task A_choice_cancelled_after_a_restart_counts_the_tokens_the_client_already_received()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        // attempt 0 streamed three tokens, its worker died; attempt 1 restarted from the prompt and was cancelled
        // before generating anything, so its completion counts none
        host.Backend.Script = r =>
        [
            ScriptedReplies.Chunk(r, 0, 0, "A"),
            ScriptedReplies.Chunk(r, 0, 1, "B"),
            ScriptedReplies.Chunk(r, 0, 2, "C"),
            ScriptedReplies.Done(r, 0, FinishReason.Cancelled, 3, 0, attempt: 1),
        ];

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, "/v1/completions", """{"model":"tiny","prompt":"x"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ABC", body.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(3, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(6, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task A_full_reply_queue_is_redelivered_and_the_text_still_arrives_whole_and_in_order()
    {
        await using GatewayHost host = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:ReplyBufferCapacity"] = "1",
            ["Mesh:Bus:MaxDeliveryCount"] = "1000",
            ["Mesh:Bus:RetryDelay"] = "00:00:00.001",
            ["Mesh:Bus:MaxRetryDelay"] = "00:00:00.002",
        });
        string[] pieces = [.. Enumerable.Range(0, 200).Select(i => $"<{i}>")];
        host.Backend.Script = r => ScriptedReplies.Text(r, FinishReason.Stop, pieces);

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, "/v1/completions", """{"model":"tiny","prompt":"x"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(string.Concat(pieces), body.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Registry_routes_by_request_id_refuses_when_full_and_forgets_on_dispose()
    {
        var registry = new ReplyRegistry(Microsoft.Extensions.Options.Options.Create(new GatewayOptions { ReplyBufferCapacity = 1 }));
        TokenChunk chunk = ScriptedReplies.Chunk(Request, 0, 0, "a");

        Assert.Equal(ReplyDelivery.NoWaiter, registry.Deliver(chunk));
        using (ReplyRegistration registration = registry.Register(Request.Envelope.RequestId))
        {
            Assert.Equal(ReplyDelivery.Delivered, registry.Deliver(chunk));
            Assert.Equal(ReplyDelivery.Full, registry.Deliver(chunk));
            Assert.True(registration.Reader.TryRead(out ReplyMessage? read));
            Assert.Same(chunk, read);
            Assert.Throws<InvalidOperationException>(() => registry.Register(Request.Envelope.RequestId));
        }
        Assert.Equal(0, registry.Count);
        Assert.Equal(ReplyDelivery.NoWaiter, registry.Deliver(chunk));
    }
}
