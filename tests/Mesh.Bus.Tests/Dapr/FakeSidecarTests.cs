using System.Text.Json;
using System.Text.Json.Nodes;
using Dapr.Client;
using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.Options;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace Mesh.Bus.Tests;

/// <summary>The real <see cref="DaprClient"/> and <see cref="DaprBus"/> against a fake sidecar's gRPC API.</summary>
public sealed class FakeSidecarTests : IAsyncLifetime
{
    private FakeDaprSidecar _sidecar = null!;
    private DaprClient _dapr = null!;
    private readonly MeshSerializer _serializer = new([]);

    public async Task InitializeAsync()
    {
        _sidecar = await FakeDaprSidecar.StartAsync();
        _dapr = new DaprClientBuilder()
            .UseGrpcEndpoint(_sidecar.GrpcEndpoint)
            .UseHttpEndpoint("http://127.0.0.1:9") // pub/sub and state use gRPC only
            .UseJsonSerializationOptions(_serializer.Options)
            .Build();
    }

    public async Task DisposeAsync()
    {
        _dapr.Dispose();
        await _sidecar.DisposeAsync();
    }

    private DaprBus Bus(string pubsub = "pubsub") =>
        new(_dapr, _serializer, Options.Create(new MeshBusOptions { PubSubName = pubsub }), new MeshBusMetrics(new TestMeterFactory()));

    [Fact]
    public async Task Publish_sends_topic_pubsub_json_data_and_metadata()
    {
        PrefillTask task = Messages.Prefill("req-7", attempt: 2);

        await Bus("meshbus").PublishAsync(Topics.Prefill, task);

        Autogen.PublishEventRequest published = Assert.Single(_sidecar.Runtime.Published);
        Assert.Equal("meshbus", published.PubsubName);
        Assert.Equal("mesh.prefill", published.Topic);
        Assert.Equal("application/json", published.DataContentType);
        Assert.Equal(JsonSerializer.Serialize(task, MeshJsonContext.Default.PrefillTask), published.Data.ToStringUtf8());
        Assert.Equal("mesh.PrefillTask", published.Metadata["cloudevent.type"]);
        Assert.Equal("req-7/2/PrefillTask/0/0", published.Metadata["MessageId"]);
    }

    [Fact]
    public async Task Publishing_a_reply_as_its_base_writes_the_discriminator()
    {
        ReplyMessage chunk = new TokenChunk(Messages.Envelope("r1"), 1, 9, [5, 6], "ab");

        await Bus().PublishAsync(Topics.RepliesFor("gw-1"), chunk);

        Autogen.PublishEventRequest published = Assert.Single(_sidecar.Runtime.Published);
        JsonNode data = JsonNode.Parse(published.Data.ToStringUtf8())!;
        Assert.Equal("token", (string?)data["kind"]);
        Assert.Equal(9, (long?)data["sequence"]);
        Assert.Equal("r1/0/TokenChunk/1/9", published.Metadata["MessageId"]);
    }

    [Fact]
    public async Task Non_request_messages_carry_no_message_id()
    {
        await Bus().PublishAsync<KvEvent>(Topics.KvEvents, new KvCacheCleared(new WorkerId("kv-0"), 3, DateTimeOffset.UnixEpoch));

        Autogen.PublishEventRequest published = Assert.Single(_sidecar.Runtime.Published);
        Assert.False(published.Metadata.ContainsKey("MessageId"));
        Assert.Equal("mesh.KvCacheCleared", published.Metadata["cloudevent.type"]);
    }

    [Fact]
    public async Task A_sidecar_error_surfaces_as_a_bus_exception_naming_the_topic()
    {
        MeshBusException error = await Assert.ThrowsAsync<MeshBusException>(
            () => Bus().PublishAsync(FakeDaprRuntime.FailingTopic, Messages.Cancel("r1")));

        Assert.Contains(FakeDaprRuntime.FailingTopic, error.Message);
        Assert.Contains("pubsub", error.Message);
    }

    [Fact]
    public async Task State_round_trips_a_kv_reference_with_etags()
    {
        var kv = new KvRef("m:1", new KvLayout(KvDType.F16, 16, 2, 2, 8), [new BlockHash(0xfeed), new BlockHash(0xbeef)], 20,
            new WorkerId("prefill-0"), KvTier.Ram, DateTimeOffset.UnixEpoch.AddHours(1), "xxh64:1");

        await _dapr.SaveStateAsync("statestore", "kv:r1", kv);
        (KvRef stored, string etag) = await _dapr.GetStateAndETagAsync<KvRef>("statestore", "kv:r1");
        bool staleWrite = await _dapr.TrySaveStateAsync("statestore", "kv:r1", kv with { TokenCount = 21 }, "7");
        bool freshWrite = await _dapr.TrySaveStateAsync("statestore", "kv:r1", kv with { TokenCount = 22 }, etag);
        KvRef latest = await _dapr.GetStateAsync<KvRef>("statestore", "kv:r1");

        Assert.Equal("1", etag);
        Assert.Equal(kv with { Blocks = stored.Blocks }, stored);
        Assert.Equal(kv.Blocks, stored.Blocks);
        Assert.False(staleWrite);
        Assert.True(freshWrite);
        Assert.Equal(22, latest.TokenCount);
        Assert.Contains("\"blocks\":[\"000000000000feed\",\"000000000000beef\"]", _sidecar.Runtime.Saves.First().States[0].Value.ToStringUtf8());
    }
}
