using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Contracts;

namespace Mesh.Contracts.Tests;

/// <summary>The JSON other languages see: names, ids, hashes, enums, discriminators.</summary>
public sealed class WireShapeTests
{
    private static JsonObject ToNode<T>(T value) =>
        JsonNode.Parse(JsonSerializer.Serialize(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)MeshJsonContext.Default.GetTypeInfo(typeof(T))!))!.AsObject();

    [Fact]
    public void Envelope_is_camelCase_with_ids_as_strings_and_priority_as_a_name()
    {
        JsonObject json = ToNode(WireSamples.Envelope);

        Assert.Equal("req-42", (string?)json["requestId"]);
        Assert.Equal(3, (int?)json["attempt"]);
        Assert.Equal("offline", (string?)json["priority"]);
        Assert.Equal("acme", (string?)json["tenantId"]);
        Assert.Equal("2025-03-04T05:06:07.891+02:00", (string?)json["deadline"]);
    }

    [Fact]
    public void Block_hashes_are_sixteen_hex_digits()
    {
        JsonObject json = ToNode(WireSamples.Kv);

        Assert.Equal(["0123456789abcdef", "ffffffffffffffff", "0000000000000001"], json["blocks"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("bf16", (string?)json["layout"]!["dType"]);
        Assert.Equal("ram", (string?)json["tier"]);
    }

    [Fact]
    public void Polymorphic_bases_write_a_kind_discriminator()
    {
        JsonObject reply = ToNode<ReplyMessage>(new Completed(WireSamples.Envelope, 0, FinishReason.Stop, new Usage(1, 2, 3)));
        JsonObject prompt = ToNode<Prompt>(new TokenPrompt([1]));
        JsonObject kv = ToNode<KvEvent>(new KvCacheCleared(new WorkerId("w"), 1, WireSamples.Deadline));

        Assert.Equal("completed", (string?)reply["kind"]);
        Assert.Equal("stop", (string?)reply["finishReason"]);
        Assert.Equal("tokens", (string?)prompt["kind"]);
        Assert.Equal("cleared", (string?)kv["kind"]);
    }

    [Fact]
    public void Message_part_is_not_on_the_wire_and_nulls_are_omitted()
    {
        JsonObject json = ToNode(new TokenChunk(WireSamples.Envelope, 1, 12, [5], "x"));

        Assert.False(json.ContainsKey("part"));
        Assert.False(json.ContainsKey("logprobs"));
        Assert.False(json.ContainsKey("finishReason"));
        Assert.Equal(12, (long?)json["sequence"]);
    }

    [Fact]
    public void Minus_infinity_logprob_is_written_as_a_named_literal()
    {
        JsonObject json = ToNode(new TopLogprob(13, float.NegativeInfinity));

        Assert.Equal("-Infinity", (string?)json["logprob"]);
    }

    [Fact]
    public void Message_part_distinguishes_chunks_and_media_items()
    {
        IRequestMessage chunk = new TokenChunk(WireSamples.Envelope, 1, 12, [5], "x");
        IRequestMessage item = new EncodeTask(WireSamples.Envelope, "m", 2, WireSamples.Media);
        IRequestMessage single = new PrefillTask(WireSamples.Envelope, "m", [1], new SamplingParameters());

        Assert.Equal(new MessagePart(1, 12), chunk.Part);
        Assert.Equal(new MessagePart(2, 0), item.Part);
        Assert.Equal(default, single.Part);
    }

    [Fact]
    public void Topic_helpers_compose_names()
    {
        Assert.Equal("mesh.prefill.deadletter", Topics.DeadLetterFor(Topics.Prefill));
        Assert.Equal("mesh.replies.gw-1", Topics.RepliesFor("gw-1"));
        Assert.Equal("mesh.decode.gpu-7", Topics.ForWorker(Topics.Decode, new WorkerId("gpu-7")));
        Assert.Equal(7, AppIds.All.Distinct().Count());
    }
}
