using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Client.Tests;

/// <summary>
/// A host with the in-process bus, a <see cref="MeshBusClient"/> registered by <c>AddMeshBusClient</c>, and a
/// <see cref="FakeScheduler"/> answering on the bus. No gateway and no HTTP.
/// </summary>
internal sealed class BusHost : IAsyncDisposable
{
    public const string ClientId = "batch-client";

    private readonly IHost _host;

    private BusHost(IHost host, FakeScheduler scheduler)
    {
        _host = host;
        Scheduler = scheduler;
        Client = host.Services.GetRequiredService<MeshBusClient>();
        Bus = host.Services.GetRequiredService<IMeshBus>();
    }

    public MeshBusClient Client { get; }

    public IMeshBus Bus { get; }

    public FakeScheduler Scheduler { get; }

    public static async Task<BusHost> StartAsync(MeshClientOptions? options = null)
    {
        var scheduler = new FakeScheduler();
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Error",
            ["Mesh:Bus:AppId"] = "client-app",
            ["Mesh:Bus:RetryDelay"] = "00:00:00.005",
            ["Mesh:Bus:MaxRetryDelay"] = "00:00:00.020",
            // Redeliveries of replies a full reply queue turned back must outlast a slow test machine.
            ["Mesh:Bus:MaxDeliveryCount"] = "200",
        });
        builder.AddMeshBusClient(options ?? new MeshClientOptions { ClientId = ClientId })
            .Subscribe<InferenceRequest>(Topics.Requests, scheduler.OnRequestAsync, FakeScheduler.Group)
            .Subscribe<CancelRequest>(Topics.Cancellations, scheduler.OnCancelAsync, FakeScheduler.Group);
        IHost host = builder.Build();
        scheduler.Attach(host.Services.GetRequiredService<IMeshBus>());
        await host.StartAsync();
        return new BusHost(host, scheduler);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
