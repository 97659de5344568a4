using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mesh.Bus.Tests;

public sealed class OptionsTests
{
    [Fact]
    public async Task Invalid_settings_stop_the_host_at_start_naming_the_key()
    {
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => BusHost.StartAsync(
            _ => { },
            new Dictionary<string, string?> { ["Mesh:Bus:MaxDeliveryCount"] = "0", ["Mesh:Bus:ChannelCapacity"] = "-1" }));

        Assert.Contains("Mesh:Bus:MaxDeliveryCount", error.Message);
        Assert.Contains("Mesh:Bus:ChannelCapacity", error.Message);
    }

    [Fact]
    public async Task Mode_picks_the_transport()
    {
        await using BusHost inProcess = await BusHost.StartAsync(_ => { });
        await using BusHost dapr = await BusHost.StartAsync(_ => { }, new Dictionary<string, string?>
        {
            ["Mesh:Bus:Mode"] = "Dapr",
            ["DAPR_GRPC_ENDPOINT"] = "http://127.0.0.1:50001",
        });

        Assert.IsType<InProcessBus>(inProcess.Bus);
        Assert.IsType<DaprBus>(dapr.Bus);
        Assert.Equal("pubsub", dapr.Services.GetRequiredService<IOptions<MeshBusOptions>>().Value.PubSubName);
    }

    [Fact]
    public void Deduplicator_forgets_the_oldest_completed_key_beyond_its_capacity()
    {
        var dedup = new DeliveryDeduplicator(capacity: 2);
        DeliveryKey[] keys = [.. Enumerable.Range(0, 3).Select(i => DeliveryKey.Of(Messages.Prefill($"r{i}")))];

        foreach (DeliveryKey key in keys)
        {
            Assert.Equal(DeliveryAdmission.New, dedup.TryBegin(key));
            dedup.Complete(key);
        }

        Assert.Equal(DeliveryAdmission.New, dedup.TryBegin(keys[0]));
        Assert.Equal(DeliveryAdmission.Duplicate, dedup.TryBegin(keys[2]));
        Assert.Equal(DeliveryAdmission.InFlight, dedup.TryBegin(keys[0]));
        dedup.Abandon(keys[0]);
        Assert.Equal(DeliveryAdmission.New, dedup.TryBegin(keys[0]));
    }
}
