using System.Net;
using System.Text.Json;
using Mesh.Contracts;

namespace Mesh.Gateway.Tests;

/// <summary>Non-streaming <c>/v1/chat/completions</c>: the response object, usage, finish reasons, n &gt; 1, logprobs.</summary>
public sealed class ChatCompletionsTests
{
    private const string Hello = """{"model":"tiny","messages":[{"role":"user","content":"Hi"}]}""";

    [Fact]
    public async Task Answer_is_a_chat_completion_object_with_the_request_id_and_usage()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, "/v1/chat/completions", Hello);

        Assert.Equal(HttpStatusCode.OK, status);
        InferenceRequest published = Assert.Single(host.Backend.Requests.Entries);
        Assert.Equal(["id", "object", "created", "model", "choices", "usage"], Http.Names(body));
        Assert.StartsWith("chatcmpl-", body.GetProperty("id").GetString());
        Assert.Equal(published.Envelope.RequestId.Value, body.GetProperty("id").GetString());
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.InRange(body.GetProperty("created").GetInt64(), before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal("tiny", body.GetProperty("model").GetString());

        JsonElement choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal(["index", "message", "logprobs", "finish_reason"], Http.Names(choice));
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal(["role", "content"], Http.Names(choice.GetProperty("message")));
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("Hello", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());

        JsonElement usage = body.GetProperty("usage");
        Assert.Equal(5, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(2, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(7, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(2, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
    }

    [Theory]
    [InlineData(FinishReason.Stop, "stop")]
    [InlineData(FinishReason.Length, "length")]
    [InlineData(FinishReason.Cancelled, "abort")]
    public async Task Finish_reason_is_mapped(FinishReason reason, string expected)
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r => ScriptedReplies.Text(r, reason, "a", "b", "c");

        (_, JsonElement body) = await Http.PostAsync(host.Client, "/v1/chat/completions", Hello);

        Assert.Equal(expected, body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Two_choices_are_merged_by_index_with_prompt_counted_once()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        // Choice 1 finishes first and the chunks of the two choices interleave.
        host.Backend.Script = r =>
        [
            ScriptedReplies.Chunk(r, 1, 0, "B1"),
            ScriptedReplies.Chunk(r, 0, 0, "A1"),
            ScriptedReplies.Chunk(r, 1, 1, "B2", finish: FinishReason.Length),
            ScriptedReplies.Done(r, 1, FinishReason.Length, 9, 2, cachedTokens: 4),
            ScriptedReplies.Chunk(r, 0, 1, "A2"),
            ScriptedReplies.Chunk(r, 0, 2, "A3", finish: FinishReason.Stop),
            ScriptedReplies.Done(r, 0, FinishReason.Stop, 9, 3, cachedTokens: 4),
        ];

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, "/v1/chat/completions",
            """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"n":2}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, Assert.Single(host.Backend.Requests.Entries).Sampling.N);
        JsonElement[] choices = [.. body.GetProperty("choices").EnumerateArray()];
        Assert.Equal(2, choices.Length);
        Assert.Equal((0, "A1A2A3", "stop"), (choices[0].GetProperty("index").GetInt32(), choices[0].GetProperty("message").GetProperty("content").GetString(), choices[0].GetProperty("finish_reason").GetString()));
        Assert.Equal((1, "B1B2", "length"), (choices[1].GetProperty("index").GetInt32(), choices[1].GetProperty("message").GetProperty("content").GetString(), choices[1].GetProperty("finish_reason").GetString()));
        JsonElement usage = body.GetProperty("usage");
        Assert.Equal((9, 5, 14, 4), (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(),
            usage.GetProperty("total_tokens").GetInt32(), usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32()));
    }

    [Fact]
    public async Task Logprobs_name_tokens_by_id_and_write_minus_infinity_as_minus_9999()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r =>
        [
            ScriptedReplies.Chunk(r, 0, 0, "Hi", tokens: [7], logprobs: [new SampledToken(7, -0.25f, [new TopLogprob(7, -0.25f), new TopLogprob(9, float.NegativeInfinity)])]),
            ScriptedReplies.Chunk(r, 0, 1, "!", tokens: [8], finish: FinishReason.Stop, logprobs: [new SampledToken(8, -1.5f, [new TopLogprob(3, -0.5f), new TopLogprob(8, -1.5f)])]),
            ScriptedReplies.Done(r, 0, FinishReason.Stop, 3, 2),
        ];

        (_, JsonElement body) = await Http.PostAsync(host.Client, "/v1/chat/completions",
            """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"logprobs":true,"top_logprobs":2}""");

        JsonElement content = body.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content");
        Assert.Equal(2, content.GetArrayLength());
        JsonElement first = content[0];
        Assert.Equal(["token", "logprob", "bytes", "top_logprobs"], Http.Names(first));
        Assert.Equal("token_id:7", first.GetProperty("token").GetString());
        Assert.Equal(-0.25f, first.GetProperty("logprob").GetSingle());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("bytes").ValueKind);
        Assert.Equal(["token_id:7", "token_id:9"], first.GetProperty("top_logprobs").EnumerateArray().Select(t => t.GetProperty("token").GetString()));
        Assert.Equal(-9999f, first.GetProperty("top_logprobs")[1].GetProperty("logprob").GetSingle());
        Assert.Equal("token_id:8", content[1].GetProperty("token").GetString());
        Assert.Equal(-1.5f, content[1].GetProperty("logprob").GetSingle());
    }

    [Fact]
    public async Task Model_text_is_written_as_utf8_not_escaped()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r => ScriptedReplies.Text(r, FinishReason.Stop, "日本", " `x` <b>");

        using HttpResponseMessage response = await host.Client.PostAsync("/v1/chat/completions", Http.Json(Hello));
        string raw = await response.Content.ReadAsStringAsync();

        Assert.Contains("\"content\":\"日本 `x` <b>\"", raw);
    }

    [Fact]
    public async Task Request_that_finishes_leaves_no_registration_and_sends_no_cancellation()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();

        await Http.PostAsync(host.Client, "/v1/chat/completions", Hello);

        Assert.Equal(0, host.Registry().Count);
        Assert.Equal(0, host.Backend.Cancellations.Count);
    }
}
