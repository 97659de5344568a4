using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>Starts and stops the <see cref="InProcessBus"/> with the host; does nothing in Dapr mode.
/// The bus is resolved once at start: at stop the host may already be disposing its provider.</summary>
internal sealed class InProcessBusLifetime(IServiceProvider services, IOptions<MeshBusOptions> options) : IHostedService
{
    /// <summary>The bus started by <see cref="StartAsync"/>; null in Dapr mode.</summary>
    private InProcessBus? _bus;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Mode != MeshBusMode.InProcess) return Task.CompletedTask;
        _bus = services.GetRequiredService<InProcessBus>();
        _bus.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _bus?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
