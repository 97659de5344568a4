using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Contracts;

namespace Mesh.Contracts.Tests;

/// <summary>The wire form of sampled tokens: ids, log-probabilities, and the text and bytes of each token.</summary>
public sealed class SampledTokenTests
{
    private static JsonObject ToNode(SampledToken token) =>
        JsonNode.Parse(JsonSerializer.Serialize(token, MeshJsonContext.Default.SampledToken))!.AsObject();

    [Fact]
    public void Text_is_a_string_and_bytes_are_base64_for_the_token_and_each_alternative()
    {
        JsonObject json = ToNode(WireSamples.Token);

        Assert.Equal(" Hello", (string?)json["text"]);
        Assert.Equal("IEhlbGxv", (string?)json["bytes"]);
        JsonObject best = json["topLogprobs"]![0]!.AsObject();
        Assert.Equal((9906, " Hello", "IEhlbGxv"), ((int)best["tokenId"]!, (string?)best["text"], (string?)best["bytes"]));
        JsonObject partial = json["topLogprobs"]![1]!.AsObject();
        Assert.Equal("\uFFFD", (string?)partial["text"]);
        Assert.False(partial.ContainsKey("bytes"));
    }

    [Fact]
    public void A_token_without_text_writes_neither_text_nor_bytes()
    {
        JsonObject json = ToNode(new SampledToken(7, -1.5f));

        Assert.Equal(["tokenId", "logprob"], json.Select(p => p.Key));
    }

    [Fact]
    public void A_token_from_a_producer_without_text_reads_with_nulls()
    {
        SampledToken? token = JsonSerializer.Deserialize("""{"tokenId":7,"logprob":-1.5,"topLogprobs":[{"tokenId":7,"logprob":-1.5}]}""",
            MeshJsonContext.Default.SampledToken);

        Assert.NotNull(token);
        Assert.Equal((7, -1.5f, null, null), (token.TokenId, token.Logprob, token.Text, token.Bytes));
        TopLogprob top = Assert.Single(token.TopLogprobs!);
        Assert.Equal((7, null, null), (top.TokenId, top.Text, top.Bytes));
    }

    [Fact]
    public void Bytes_that_are_not_base64_are_rejected()
    {
        Assert.Throws<JsonException>(() =>
            JsonSerializer.Deserialize("""{"tokenId":7,"logprob":-1.5,"text":"a","bytes":"not base64!"}""", MeshJsonContext.Default.SampledToken));
    }
}
