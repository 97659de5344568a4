using Mesh.Contracts;
using Mesh.Scheduler.Journal;
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
    ILogger<SchedulerLoop> logger,
    IRequestJournal? journal = null) : BackgroundService
{
    private readonly List<(RequestId Id, JournalEntry? Entry)> _journalChanges = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Task ticks = TickAsync(stoppingToken);
        List<Outbound> output = [];
        try
        {
            await RecoverAsync(output, stoppingToken).ConfigureAwait(false);
            await foreach (object message in inbox.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                output.Clear();
                if (message is SchedulerRestart restart)
                {
                    core.Reset();
                    restart.Done.TrySetResult(await RecoverAsync(output, stoppingToken).ConfigureAwait(false));
                    continue;
                }
                try
                {
                    core.Apply(message, time.GetUtcNow(), output);
                }
                catch (Exception ex)
                {
                    logger.ApplyFaulted(ex, message.GetType().Name);
                }
                await SendAsync(output, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await ticks.ConfigureAwait(false);
    }

    /// <summary>Takes back the journal's requests (at start, and after an operator's restart); returns how many.</summary>
    private async Task<int> RecoverAsync(List<Outbound> output, CancellationToken stop)
    {
        if (journal is null) return 0;
        IReadOnlyList<JournalEntry> entries = await journal.LoadAsync(stop).ConfigureAwait(false);
        if (entries.Count == 0) return 0;
        output.Clear();
        core.Recover(entries, time.GetUtcNow(), output);
        await SendAsync(output, stop).ConfigureAwait(false);
        return entries.Count;
    }

    /// <summary>Writes the journal first (what was decided is durable before anyone acts on it), then publishes.</summary>
    private async Task SendAsync(List<Outbound> output, CancellationToken stop)
    {
        if (journal is not null)
        {
            _journalChanges.Clear();
            core.TakeJournalChanges(_journalChanges);
            foreach ((RequestId id, JournalEntry? entry) in _journalChanges)
            {
                try
                {
                    if (entry is null) await journal.RemoveAsync(id, stop).ConfigureAwait(false);
                    else await journal.SaveAsync(entry, stop).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.JournalFailed(ex, id);
                }
            }
        }
        foreach (Outbound outbound in output) await PublishAsync(outbound, stop).ConfigureAwait(false);
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
                RoleAssignment roles => bus.PublishAsync(outbound.Topic, roles, stop),
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
