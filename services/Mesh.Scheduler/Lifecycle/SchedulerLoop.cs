using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>
/// The scheduler's one owner loop: takes events from the <see cref="SchedulerInbox"/> in order, applies each to the
/// <see cref="SchedulerCore"/>, and publishes what it decided before taking the next. A timer posts a
/// <see cref="Tick"/> every <see cref="SchedulerOptions.TickInterval"/>.
/// </summary>
internal sealed class SchedulerLoop(
    SchedulerInbox inbox,
    SchedulerCore core,
    IMeshBus bus,
    TimeProvider time,
    IOptions<SchedulerOptions> options,
    ILogger<SchedulerLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Task ticks = TickAsync(stoppingToken);
        List<Outbound> output = [];
        try
        {
            await foreach (object message in inbox.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                output.Clear();
                try
                {
                    core.Apply(message, time.GetUtcNow(), output);
                }
                catch (Exception ex)
                {
                    logger.ApplyFaulted(ex, message.GetType().Name);
                }
                foreach (Outbound outbound in output) await PublishAsync(outbound, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await ticks.ConfigureAwait(false);
    }

    private async Task TickAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.Value.TickInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false)) await inbox.PostAsync(new Tick(), stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task PublishAsync(Outbound outbound, CancellationToken stop)
    {
        try
        {
            Task sent = outbound.Message switch
            {
                ReplyMessage reply => bus.PublishAsync(outbound.Topic, reply, stop),
                PrefillTask prefill => bus.PublishAsync(outbound.Topic, prefill, stop),
                DecodeTask decode => bus.PublishAsync(outbound.Topic, decode, stop),
                EncodeTask encode => bus.PublishAsync(outbound.Topic, encode, stop),
                CancelRequest cancel => bus.PublishAsync(outbound.Topic, cancel, stop),
                _ => throw new InvalidOperationException($"the scheduler does not publish {outbound.Message.GetType().Name}"),
            };
            await sent.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MeshBusException or InvalidOperationException)
        {
            logger.PublishFailed(ex, outbound.Message.GetType().Name, outbound.Topic);
        }
    }
}
