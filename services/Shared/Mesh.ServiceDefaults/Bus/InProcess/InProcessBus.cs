using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Threading.Channels;
using Mesh.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// The bus inside one process (<c>Mesh.Host</c>, tests). Each (topic, app id) group has a bounded queue;
/// publishing waits while a group's queue is full. Every group receives each message once; the member
/// subscriptions of a group compete (Dapr consumer-group semantics). Delivery is at least once: Retry or an
/// exception redelivers with exponential backoff until <see cref="MeshBusOptions.MaxDeliveryCount"/>, then the
/// message goes to the subscription's dead-letter topic; Drop dead-letters at once. Messages are passed by
/// reference, not serialized: handlers must not mutate them. Nothing is durable: messages still queued at
/// shutdown are counted in a warning and lost.
/// </summary>
public sealed class InProcessBus : IMeshBus, IAsyncDisposable, IDisposable
{
    /// <summary>Groups per topic; fixed at construction from the registered subscriptions.</summary>
    private readonly FrozenDictionary<string, ConsumerGroup[]> _groups;

    /// <summary>Runs one delivery (dedup, scope, handler, metrics).</summary>
    private readonly MessageDispatcher _dispatcher;

    /// <summary>Delivery limit and backoff.</summary>
    private readonly MeshBusOptions _options;

    private readonly MeshBusMetrics _metrics;
    private readonly ILogger<InProcessBus> _logger;

    /// <summary>Cancelled by <see cref="StopAsync"/>; stops consumer loops and pending redeliveries.</summary>
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Consumer loops, one per member subscription and concurrency slot; set by <see cref="Start"/>.</summary>
    private Task[] _consumers = [];

    /// <summary>Redeliveries waiting out their backoff, by id; each removes itself when done.</summary>
    private readonly ConcurrentDictionary<long, Task> _redeliveries = new();

    /// <summary>Source of redelivery ids.</summary>
    private long _nextRedeliveryId;

    /// <summary>0 until started, 1 after; starting twice is harmless.</summary>
    private int _started;

    /// <summary>The one stop: cancelling the loops and waiting for them. Every caller of <see cref="StopAsync"/> and
    /// <see cref="DisposeAsync"/> awaits this same task, so the token source is never disposed under a stop still
    /// running (a host stops its services once for the caller of StopAsync and again as it is disposed: the second
    /// stop used to return at once and dispose the source while the first was still cancelling, and a consumer
    /// whose cancellation callback had not run yet never woke, holding the host's stop for its whole timeout).</summary>
    private Task? _stop;
    private readonly Lock _stopGate = new();

    internal InProcessBus(
        IEnumerable<MeshSubscription> subscriptions,
        MessageDispatcher dispatcher,
        IOptions<MeshBusOptions> options,
        MeshBusMetrics metrics,
        ILogger<InProcessBus> logger)
    {
        _dispatcher = dispatcher;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        string appId = _options.AppId ?? throw new MeshBusException($"{MeshBusOptions.SectionName}:AppId is not set.");
        _groups = subscriptions
            .GroupBy(s => s.Topic, StringComparer.Ordinal)
            .ToFrozenDictionary(
                byTopic => byTopic.Key,
                byTopic => byTopic
                    .GroupBy(s => s.GroupOr(appId), StringComparer.Ordinal)
                    .Select(byGroup => new ConsumerGroup(byTopic.Key, byGroup.Key, [.. byGroup], _options.ChannelCapacity))
                    .ToArray(),
                StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public Task PublishAsync<T>(string topic, T message, CancellationToken cancellationToken = default) where T : notnull =>
        PublishCoreAsync(topic, typeof(T), message, cancellationToken);

    /// <summary>Starts the consumer loops. Messages published before start wait in the queues.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) return;
        CancellationToken stop = _stopping.Token;
        List<Task> consumers = [];
        foreach (ConsumerGroup group in _groups.Values.SelectMany(groups => groups))
            foreach (MeshSubscription member in group.Members)
                for (int slot = 0; slot < member.Options.Concurrency; slot++)
                    consumers.Add(Task.Run(() => ConsumeAsync(group, member, stop), CancellationToken.None));
        _consumers = [.. consumers];
    }

    /// <summary>
    /// Stops consumer loops and redeliveries (handlers in progress see cancellation and are not retried),
    /// closes the queues and logs how many messages were left undelivered.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Stop().WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host stopped waiting: the loops still end on their own, and disposal waits for them.
        }
    }

    /// <summary>The stop, started by the first caller.</summary>
    private Task Stop()
    {
        lock (_stopGate) return _stop ??= StopLoopsAsync();
    }

    private async Task StopLoopsAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll([.. _consumers, .. _redeliveries.Values]);
        }
        catch (OperationCanceledException)
        {
            // Loops end cancelled by the stop itself. Faults other than cancellation still surface.
        }
        int undelivered = 0;
        foreach (ConsumerGroup group in _groups.Values.SelectMany(g => g))
        {
            group.Queue.Writer.TryComplete();
            undelivered += group.Queue.Reader.Count;
        }
        if (undelivered > 0) _logger.StoppedWithUndelivered(undelivered);
    }

    /// <summary>Stops like <see cref="StopAsync"/> and waits for the loops, then releases the token source. A handler
    /// that ignores cancellation for <see cref="DisposeWait"/> leaves the source to the collector instead of having it
    /// disposed under it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Stop().WaitAsync(DisposeWait);
        }
        catch (TimeoutException)
        {
            return;
        }
        _stopping.Dispose();
    }

    /// <summary>How long disposal waits for the loops to end.</summary>
    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(30);

    /// <summary>Signals the loops to stop without waiting for them (synchronous container disposal); the token source
    /// stays undisposed, since loops may still be registered on it.</summary>
    public void Dispose()
    {
        if (!_stopping.IsCancellationRequested) _stopping.Cancel();
        foreach (ConsumerGroup group in _groups.Values.SelectMany(g => g)) group.Queue.Writer.TryComplete();
    }

    private async Task PublishCoreAsync(string topic, Type declared, object message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_groups.TryGetValue(topic, out ConsumerGroup[]? groups))
        {
            _logger.NoSubscriber(topic, declared.Name);
            return;
        }
        foreach (ConsumerGroup group in groups)
        {
            if (!group.Accepts(declared, message))
                throw new MeshBusException(
                    $"Topic '{topic}' is read by group '{group.Group}' as {group.MessageType.Name}, but {message.GetType().Name} was published as {declared.Name}" +
                    (group.MessageType.IsAbstract ? $"; publish it as PublishAsync<{group.MessageType.Name}> so the type discriminator is written." : "."));
        }
        foreach (ConsumerGroup group in groups)
        {
            try
            {
                await group.Queue.Writer.WriteAsync(new Delivery(message, 1), cancellationToken);
            }
            catch (ChannelClosedException ex)
            {
                throw new MeshBusException($"The in-process bus is stopped; {declared.Name} on topic '{topic}' was not delivered to group '{group.Group}'.", ex);
            }
        }
        _metrics.Published(topic);
    }

    private async Task ConsumeAsync(ConsumerGroup group, MeshSubscription member, CancellationToken stop)
    {
        ChannelReader<Delivery> reader = group.Queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stop))
            {
                while (!stop.IsCancellationRequested && reader.TryRead(out Delivery delivery))
                {
                    HandlerResult result = await _dispatcher.DispatchAsync(member, delivery.Message, stop);
                    if (stop.IsCancellationRequested) return;
                    await SettleAsync(group, member, delivery, result, stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.ConsumerLoopFaulted(ex, group.Topic, group.Group);
        }
    }

    private async Task SettleAsync(ConsumerGroup group, MeshSubscription member, Delivery delivery, HandlerResult result, CancellationToken stop)
    {
        switch (result)
        {
            case HandlerResult.Success:
                return;
            case HandlerResult.Retry when delivery.DeliveryCount < _options.MaxDeliveryCount:
                ScheduleRedelivery(group, delivery with { DeliveryCount = delivery.DeliveryCount + 1 }, stop);
                return;
            case HandlerResult.Retry:
                await DeadLetterAsync(group, member, delivery, "delivery limit reached", stop);
                return;
            default:
                await DeadLetterAsync(group, member, delivery, "dropped by the handler", stop);
                return;
        }
    }

    /// <summary>Queues <paramref name="next"/> again after its backoff, without holding up the consumer loop.</summary>
    private void ScheduleRedelivery(ConsumerGroup group, Delivery next, CancellationToken stop)
    {
        long id = Interlocked.Increment(ref _nextRedeliveryId);
        TimeSpan delay = BackoffBefore(next.DeliveryCount);
        // Registered before it starts, so its own removal can never run first.
        var cold = new Task<Task>(() => RedeliverAsync(id, group, next, delay, stop));
        _redeliveries[id] = cold.Unwrap();
        cold.Start(TaskScheduler.Default);
    }

    /// <summary>Delay before delivery number <paramref name="deliveryCount"/> (≥ 2): RetryDelay × 2^(n-2), capped.</summary>
    private TimeSpan BackoffBefore(int deliveryCount)
    {
        double factor = Math.Pow(2, Math.Min(deliveryCount - 2, 30));
        TimeSpan delay = _options.RetryDelay * factor;
        return delay < _options.MaxRetryDelay ? delay : _options.MaxRetryDelay;
    }

    private async Task RedeliverAsync(long id, ConsumerGroup group, Delivery next, TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
            await group.Queue.Writer.WriteAsync(next, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.RedeliveryFailed(ex, group.Topic, group.Group);
        }
        finally
        {
            _redeliveries.TryRemove(id, out _);
        }
    }

    private async Task DeadLetterAsync(ConsumerGroup group, MeshSubscription member, Delivery delivery, string reason, CancellationToken stop)
    {
        string deadLetterTopic = member.DeadLetterTopic;
        string? requestId = (delivery.Message as IRequestMessage)?.Envelope?.RequestId.Value;
        _logger.DeadLettered(group.Topic, requestId, deadLetterTopic, delivery.DeliveryCount, reason);
        _metrics.DeadLettered(group.Topic);
        if (!_groups.ContainsKey(deadLetterTopic))
        {
            _logger.DeadLetterUnheard(deadLetterTopic, group.Topic, requestId);
            return;
        }
        try
        {
            await PublishCoreAsync(deadLetterTopic, group.MessageType, delivery.Message, stop);
        }
        catch (MeshBusException ex)
        {
            _logger.RedeliveryFailed(ex, deadLetterTopic, group.Group);
        }
    }
}
