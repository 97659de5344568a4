using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Workers.Hosting;

/// <summary>
/// The load report of a worker without an engine (encode, attention): its roles and how many tasks it is handling,
/// every <paramref name="interval"/>. The report is its heartbeat: the scheduler sends work only to workers whose
/// lease (three intervals) still runs.
/// </summary>
public sealed class RoleHeartbeat(
    WorkerId worker, WorkerRole[] roles, Func<int> running, TimeSpan interval, IMeshBus bus, TimeProvider time, ILogger<RoleHeartbeat> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                DateTimeOffset now = time.GetUtcNow();
                int busy = running();
                var report = new WorkerLoadReport(worker, roles, [.. roles.Select(r => new RoleQueueDepth(r, 0, busy))], busy, 0, 0, now, now + 3 * interval);
                try
                {
                    await bus.PublishAsync(Topics.WorkerLoad, report, stoppingToken).ConfigureAwait(false);
                }
                catch (MeshBusException ex)
                {
                    logger.LoadReportFailed(ex, worker);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
