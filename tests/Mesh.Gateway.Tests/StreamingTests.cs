using System.Net;
using System.Text.Json;
using Mesh.Contracts;

namespace Mesh.Gateway.Tests;

/// <summary>SSE answers: framing, chunk shapes, the usage chunk, n &gt; 1, and failures after the stream started.</summary>
public sealed class StreamingTests
{
    [Fact]
    public async Task Chat_stream_sends_role_then_content_then_finish_then_done()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();

        List<JsonElement> events = await Http.PostStreamAsync(host.Client, "/v1/chat/completions",
            """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"stream":true}""");

        InferenceRequest published = Assert.Single(host.Backend.Requests.Entries);
        Assert.True(published.Stream);
        Assert.Equal(4, events.Count);
        foreach (JsonElement e in events)
        {
            Assert.Equal(["id", "object", "created", "model", "choices"], Http.Names(e));
            Assert.Equal(published.Envelope.RequestId.Value, e.GetProperty("id").GetString());
            Assert.Equal("chat.completion.chunk", e.GetProperty("object").GetString());
            Assert.Equal("tiny", e.GetProperty("model").GetString());
            JsonElement choice = Assert.Single(e.GetProperty("choices").EnumerateArray());
            Assert.Equal(["index", "delta", "logprobs", "finish_reason"], Http.Names(choice));
            Assert.Equal(0, choice.GetProperty("index").GetInt32());
            Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        }
        Assert.Equal("""{"role":"assistant","content":""}""", Delta(events[0]).GetRawText());
        Assert.Equal("""{"content":"Hel"}""", Delta(events[1]).GetRawText());
        Assert.Equal("""{"content":"lo"}""", Delta(events[2]).GetRawText());
        Assert.Equal("{}", Delta(events[3]).GetRawText());
        Assert.Equal([JsonValueKind.Null, JsonValueKind.Null, JsonValueKind.Null], events[..3].Select(e => FinishReason(e).ValueKind));
        Assert.Equal("stop", FinishReason(events[3]).GetString());
    }

    [Fact]
    public async Task Include_usage_adds_a_last_chunk_with_usage_and_no_choices()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();

        List<JsonElement> events = await Http.PostStreamAsync(host.Client, "/v1/chat/completions",
            """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true}}""");

        Assert.Equal(5, events.Count);
        Assert.All(events[..4], e => Assert.False(e.TryGetProperty("usage", out _)));
        JsonElement last = events[4];
        Assert.Equal(["id", "object", "created", "model", "choices", "usage"], Http.Names(last));
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        Assert.Equal("""{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":2}}""",
            last.GetProperty("usage").GetRawText());
    }

    [Fact]
    public async Task Completions_stream_sends_text_chunks_then_finish()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r => ScriptedReplies.Text(r, Contracts.FinishReason.Length, "Once", " upon", " a");

        List<JsonElement> events = await Http.PostStreamAsync(host.Client, "/v1/completions",
            """{"model":"tiny","prompt":"Tell me","stream":true,"stream_options":{"include_usage":true}}""");

        Assert.Equal(5, events.Count);
        Assert.All(events, e => Assert.Equal("text_completion", e.GetProperty("object").GetString()));
        Assert.All(events, e => Assert.StartsWith("cmpl-", e.GetProperty("id").GetString()));
        string[] texts = [.. events[..4].Select(e => e.GetProperty("choices")[0].GetProperty("text").GetString()!)];
        Assert.Equal(["Once", " upon", " a", ""], texts);
        Assert.Equal(["index", "text", "logprobs", "finish_reason"], Http.Names(events[0].GetProperty("choices")[0]));
        Assert.Equal("length", events[3].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(3, events[4].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Two_choices_each_open_with_a_role_and_keep_their_order()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r =>
        [
            ScriptedReplies.Chunk(r, 1, 0, "x"),
            ScriptedReplies.Chunk(r, 0, 0, "a"),
            ScriptedReplies.Chunk(r, 1, 1, "y", finish: Contracts.FinishReason.Stop),
            ScriptedReplies.Done(r, 1, Contracts.FinishReason.Stop, 4, 2),
            ScriptedReplies.Chunk(r, 0, 1, "b", finish: Contracts.FinishReason.Stop),
            ScriptedReplies.Done(r, 0, Contracts.FinishReason.Stop, 4, 2),
        ];

        List<JsonElement> events = await Http.PostStreamAsync(host.Client, "/v1/chat/completions",
            """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"stream":true,"n":2}""");

        string Describe(JsonElement e)
        {
            JsonElement c = e.GetProperty("choices")[0];
            JsonElement d = c.GetProperty("delta");
            string what = d.TryGetProperty("role", out _) ? "role" : d.TryGetProperty("content", out JsonElement t) ? t.GetString()! : "finish:" + c.GetProperty("finish_reason").GetString();
            return $"{c.GetProperty("index").GetInt32()}:{what}";
        }
        Assert.Equal(["1:role", "1:x", "0:role", "0:a", "1:y", "1:finish:stop", "0:b", "0:finish:stop"], events.Select(Describe));
    }

    [Fact]
    public async Task Failure_after_the_first_chunk_becomes_an_error_event_then_done()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r => [ScriptedReplies.Chunk(r, 0, 0, "Hel"), ScriptedReplies.Fail(r, FailureCodes.WorkerLost, "decode worker gpu-3 stopped heartbeating")];

        List<JsonElement> events = await Http.PostStreamAsync(host.Client, "/v1/chat/completions",
            """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"stream":true}""");

        Assert.Equal(3, events.Count);
        Assert.Equal("Hel", Delta(events[1]).GetProperty("content").GetString());
        JsonElement error = Http.AssertError(events[2], "server_error", null, FailureCodes.WorkerLost);
        Assert.Equal("decode worker gpu-3 stopped heartbeating", error.GetProperty("message").GetString());
        Assert.Equal(0, host.Backend.Cancellations.Count);
    }

    [Fact]
    public async Task Failure_before_any_chunk_is_a_plain_http_error()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r => [ScriptedReplies.Fail(r, FailureCodes.InvalidRequest, "prompt is 9000 tokens; the context holds 4096")];

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, "/v1/chat/completions",
            """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"stream":true}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Http.AssertError(body, "invalid_request_error", null, FailureCodes.InvalidRequest);
    }

    [Fact]
    public async Task Chat_stream_with_logprobs_carries_them_on_content_chunks()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r =>
        [
            ScriptedReplies.Chunk(r, 0, 0, "A", tokens: [11], finish: Contracts.FinishReason.Stop, logprobs: [new SampledToken(11, -0.5f)]),
            ScriptedReplies.Done(r, 0, Contracts.FinishReason.Stop, 1, 1),
        ];

        List<JsonElement> events = await Http.PostStreamAsync(host.Client, "/v1/chat/completions",
            """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"stream":true,"logprobs":true}""");

        Assert.Equal("""{"content":[{"token":"token_id:11","logprob":-0.5,"bytes":null,"top_logprobs":[]}]}""",
            events[1].GetProperty("choices")[0].GetProperty("logprobs").GetRawText());
    }

    private static JsonElement Delta(JsonElement e) => e.GetProperty("choices")[0].GetProperty("delta");

    private static JsonElement FinishReason(JsonElement e) => e.GetProperty("choices")[0].GetProperty("finish_reason");
}
