using System.Net;
using System.Text.Json;
using Mesh.Contracts;

namespace Mesh.Gateway.Tests;

/// <summary>Non-streaming <c>/v1/completions</c>: the response object, token-id prompts, integer logprobs.</summary>
public sealed class CompletionsTests
{
    [Fact]
    public async Task Answer_is_a_text_completion_object()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, "/v1/completions", """{"model":"tiny","prompt":"Say hello"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        InferenceRequest published = Assert.Single(host.Backend.Requests.Entries);
        Assert.Equal(["id", "object", "created", "model", "choices", "usage"], Http.Names(body));
        Assert.Equal(published.Envelope.RequestId.Value, body.GetProperty("id").GetString());
        Assert.StartsWith("cmpl-", body.GetProperty("id").GetString());
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        JsonElement choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal("""{"index":0,"text":"Hello","logprobs":null,"finish_reason":"stop"}""", choice.GetRawText());
        Assert.Equal(7, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal(new TextPrompt("Say hello"), published.Prompt);
        Assert.Equal(16, published.Sampling.MaxTokens);
    }

    [Theory]
    [InlineData("[1,2,3]")]
    [InlineData("[[1,2,3]]")]
    public async Task Token_id_prompt_is_published_as_tokens(string prompt)
    {
        await using GatewayHost host = await GatewayHost.StartAsync();

        (HttpStatusCode status, _) = await Http.PostAsync(host.Client, "/v1/completions", $$"""{"model":"tiny","prompt":{{prompt}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        TokenPrompt tokens = Assert.IsType<TokenPrompt>(Assert.Single(host.Backend.Requests.Entries).Prompt);
        Assert.Equal([1, 2, 3], tokens.TokenIds);
    }

    [Fact]
    public async Task Integer_logprobs_give_parallel_arrays_with_offsets_and_top_alternatives()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r =>
        [
            ScriptedReplies.Chunk(r, 0, 0, "Hi", tokens: [5], logprobs: [new SampledToken(5, -0.1f, [new TopLogprob(5, -0.1f), new TopLogprob(6, -2.5f)])]),
            ScriptedReplies.Chunk(r, 0, 1, " you", tokens: [6], finish: FinishReason.Stop, logprobs: [new SampledToken(6, -0.7f, [new TopLogprob(6, -0.7f), new TopLogprob(1, -0.9f)])]),
            ScriptedReplies.Done(r, 0, FinishReason.Stop, 2, 2),
        ];

        (_, JsonElement body) = await Http.PostAsync(host.Client, "/v1/completions", """{"model":"tiny","prompt":"x","logprobs":2}""");

        InferenceRequest published = Assert.Single(host.Backend.Requests.Entries);
        Assert.True(published.Sampling.Logprobs);
        Assert.Equal(2, published.Sampling.TopLogprobs);
        Assert.Equal(
            """{"tokens":["token_id:5","token_id:6"],"token_logprobs":[-0.1,-0.7],"top_logprobs":[{"token_id:5":-0.1,"token_id:6":-2.5},{"token_id:6":-0.7,"token_id:1":-0.9}],"text_offset":[0,2]}""",
            body.GetProperty("choices")[0].GetProperty("logprobs").GetRawText());
    }
}
