using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Bus.Tests;

/// <summary>A generic host with the in-process bus, started; short retry delays so tests run fast.</summary>
internal sealed class BusHost : IAsyncDisposable
{
    private readonly IHost _host;

    private BusHost(IHost host) => _host = host;

    public IMeshBus Bus => _host.Services.GetRequiredService<IMeshBus>();

    public IServiceProvider Services => _host.Services;

    public static async Task<BusHost> StartAsync(Action<MeshBusBuilder> subscribe, IDictionary<string, string?>? settings = null)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Bus:AppId"] = "test-app",
            ["Mesh:Bus:RetryDelay"] = "00:00:00.005",
            ["Mesh:Bus:MaxRetryDelay"] = "00:00:00.020",
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        subscribe(builder.AddMeshBus());
        IHost host = builder.Build();
        await host.StartAsync();
        return new BusHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        await ((IAsyncDisposable)_host).DisposeAsync();
    }
}
