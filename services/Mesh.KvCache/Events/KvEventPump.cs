using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.KvCache;

/// <summary>
/// Publishes the store's <see cref="KvEvent"/>s to <see cref="Topics.KvEvents"/>, in order. The only place the
/// kvcache touches the bus: events are control messages; block bytes never go through pub/sub.
/// </summary>
internal sealed class KvEventPump(KvEventQueue events, IMeshBus bus, ILogger<KvEventPump> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (KvEvent kvEvent in events.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await bus.PublishAsync(Topics.KvEvents, kvEvent, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A lost event is a gap in event ids, which the scheduler repairs by re-syncing; the pump goes on.
                    logger.EventPublishFailed(ex, kvEvent.EventId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: events still queued are lost; the scheduler re-syncs from the next event's id.
        }
    }
}
