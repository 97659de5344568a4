using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>Starts and stops the <see cref="InProcessBus"/> with the host; does nothing in Dapr mode.</summary>
internal sealed class InProcessBusLifetime(IServiceProvider services, IOptions<MeshBusOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Mode == MeshBusMode.InProcess) services.GetRequiredService<InProcessBus>().Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        options.Value.Mode == MeshBusMode.InProcess
            ? services.GetRequiredService<InProcessBus>().StopAsync(cancellationToken)
            : Task.CompletedTask;
}
