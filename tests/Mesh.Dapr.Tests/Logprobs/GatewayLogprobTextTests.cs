using System.Text;
using System.Text.Json;
using Mesh.Contracts;
using Mesh.Engine.Sampling;
using Mesh.Engine.Tokenization;
using Mesh.Workers.Engine;

namespace Mesh.Dapr.Tests;

/// <summary>
/// Logprobs through the gateway under Dapr: replies carry tokens as workers build them (<see cref="SamplingMapper"/> with
/// the model's tokenizer), and the OpenAI answer shows each token's text and bytes, not its id.
/// </summary>
public sealed class GatewayLogprobTextTests(TinyModelFile model) : IClassFixture<TinyModelFile>
{
    private const string Sentence = "Hello world, said the fox.";

    private MeshTokenizer Tokenizer => model.Tokenizer;

    /// <summary>Replies for <paramref name="e"/>: one chunk per token of <see cref="Sentence"/>, each with two alternatives, then the end.</summary>
    private async Task<int[]> ReplyWithSentenceAsync(GatewayOverDapr gateway, MessageEnvelope e)
    {
        int[] ids = Tokenizer.Encode(Sentence, addBos: false);
        for (int i = 0; i < ids.Length; i++)
        {
            int other = ids[(i + 1) % ids.Length];
            SampledToken token = SamplingMapper.ToWire(ids[i], -0.25f * (i + 1), [new TokenLogprob(ids[i], -0.25f * (i + 1)), new TokenLogprob(other, -3f)], Tokenizer);
            Assert.Equal("SUCCESS", await gateway.ReplyAsync(new TokenChunk(e, 0, i, [ids[i]], token.Text!, [token])));
        }
        Assert.Equal("SUCCESS", await gateway.ReplyAsync(new Completed(e, 0, FinishReason.Stop, new Usage(3, ids.Length, 0))));
        return ids;
    }

    private string Piece(int id) => Tokenizer.Decode([id], atTextStart: false);

    [Fact]
    public async Task Chat_logprobs_show_each_token_s_text_and_bytes()
    {
        await using GatewayOverDapr gateway = await GatewayOverDapr.StartAsync();
        (Task<HttpResponseMessage> answer, InferenceRequest request) = await gateway.SubmitAsync("/v1/chat/completions",
            """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"max_tokens":32,"logprobs":true,"top_logprobs":2}""");

        int[] ids = await ReplyWithSentenceAsync(gateway, request.Envelope);
        using HttpResponseMessage response = await answer;
        JsonElement choice = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0];
        JsonElement[] content = [.. choice.GetProperty("logprobs").GetProperty("content").EnumerateArray()];

        Assert.Equal(ids.Select(Piece), content.Select(c => c.GetProperty("token").GetString()));
        Assert.Equal(ids.Select(id => Encoding.UTF8.GetBytes(Piece(id)).Select(b => (int)b)),
            content.Select(c => c.GetProperty("bytes").EnumerateArray().Select(b => b.GetInt32())));
        Assert.Equal(choice.GetProperty("message").GetProperty("content").GetString(), string.Concat(content.Select(c => c.GetProperty("token").GetString())));
        JsonElement[] top = [.. content[0].GetProperty("top_logprobs").EnumerateArray()];
        Assert.Equal([Piece(ids[0]), Piece(ids[1])], top.Select(t => t.GetProperty("token").GetString()));
        Assert.Equal(-3f, top[1].GetProperty("logprob").GetSingle());
        Assert.DoesNotContain(content, c => c.GetProperty("token").GetString()!.StartsWith("token_id:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Completions_logprobs_name_tokens_and_alternatives_by_their_text()
    {
        await using GatewayOverDapr gateway = await GatewayOverDapr.StartAsync();
        (Task<HttpResponseMessage> answer, InferenceRequest request) = await gateway.SubmitAsync("/v1/completions",
            """{"model":"tiny","prompt":"Say it","max_tokens":32,"logprobs":2}""");

        int[] ids = await ReplyWithSentenceAsync(gateway, request.Envelope);
        using HttpResponseMessage response = await answer;
        JsonElement logprobs = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0].GetProperty("logprobs");

        Assert.Equal(ids.Select(Piece), logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        JsonElement firstTop = logprobs.GetProperty("top_logprobs")[0];
        Assert.Equal(-0.25f, firstTop.GetProperty(Piece(ids[0])).GetSingle());
        Assert.Equal(-3f, firstTop.GetProperty(Piece(ids[1])).GetSingle());
    }
}
