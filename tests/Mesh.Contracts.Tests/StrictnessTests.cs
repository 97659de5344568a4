using System.Text.Json;
using Mesh.Contracts;

namespace Mesh.Contracts.Tests;

/// <summary>Malformed messages fail to deserialize (the bus then drops them to the dead-letter topic).</summary>
public sealed class StrictnessTests
{
    private const string Envelope =
        """{"requestId":"r","attempt":0,"priority":"online","deadline":"2025-01-01T00:00:00+00:00","tenantId":"t"}""";

    [Fact]
    public void Missing_required_member_is_rejected()
    {
        string json = $$"""{"envelope":{{Envelope}},"other":1}""";

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, MeshJsonContext.Default.CancelRequest));
    }

    [Fact]
    public void Null_in_a_non_nullable_member_is_rejected()
    {
        string json = $$$"""{"envelope":{{{Envelope}}},"model":"m","tokenIds":null,"sampling":{}}""";

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, MeshJsonContext.Default.PrefillTask));
    }

    [Fact]
    public void Integer_enum_values_are_rejected()
    {
        string json = Envelope.Replace("\"online\"", "0");

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, MeshJsonContext.Default.MessageEnvelope));
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"0123456789abcdef0\"")]
    [InlineData("\"xyz\"")]
    [InlineData("12")]
    public void Bad_block_hashes_are_rejected(string hash)
    {
        string json = $$"""{"worker":"w","eventId":1,"at":"2025-01-01T00:00:00+00:00","tier":"ram","blocks":[{{hash}}]}""";

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, MeshJsonContext.Default.KvBlocksRemoved));
    }

    [Fact]
    public void Discriminator_may_come_after_other_members()
    {
        string json = """{"text":"hello","kind":"text"}""";

        Prompt? prompt = JsonSerializer.Deserialize(json, MeshJsonContext.Default.Prompt);

        Assert.Equal(new TextPrompt("hello"), prompt);
    }

    [Fact]
    public void Unknown_members_are_ignored_for_forward_compatibility()
    {
        string json = $$$"""{"envelope":{{{Envelope}}},"reason":"x","addedLater":{"a":1}}""";

        CancelRequest? cancel = JsonSerializer.Deserialize(json, MeshJsonContext.Default.CancelRequest);

        Assert.Equal("x", cancel?.Reason);
    }

    [Fact]
    public void Omitted_sampling_members_take_their_neutral_defaults()
    {
        SamplingParameters? sampling = JsonSerializer.Deserialize("""{"temperature":0}""", MeshJsonContext.Default.SamplingParameters);

        Assert.NotNull(sampling);
        Assert.Equal(0f, sampling.Temperature);
        Assert.Equal(1f, sampling.TopP);
        Assert.Equal(1, sampling.N);
        Assert.Equal(256, sampling.MaxTokens);
        Assert.Equal(1f, sampling.RepetitionPenalty);
        Assert.Null(sampling.Seed);
        Assert.Empty(sampling.Stop);
        Assert.Empty(sampling.StopTokenIds);
    }
}
