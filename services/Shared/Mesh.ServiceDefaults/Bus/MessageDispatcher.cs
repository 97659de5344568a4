using System.Collections.Concurrent;
using System.Diagnostics;
using Mesh.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// One delivery, as both buses run it: skip duplicates of handled request messages, run the handler in a
/// fresh DI scope, turn an exception into <see cref="HandlerResult.Retry"/>, record metrics.
/// </summary>
internal sealed class MessageDispatcher(
    IServiceScopeFactory scopes,
    IOptions<MeshBusOptions> options,
    MeshBusMetrics metrics,
    ILogger<MessageDispatcher> logger)
{
    /// <summary>Handled keys per subscription; a message fanned out to two subscriptions is handled by each.</summary>
    private readonly ConcurrentDictionary<MeshSubscription, DeliveryDeduplicator> _seen = new();

    public async Task<HandlerResult> DispatchAsync(MeshSubscription subscription, object message, CancellationToken cancellationToken)
    {
        DeliveryKey? key = message is IRequestMessage { Envelope: not null } request ? DeliveryKey.Of(request) : null;
        DeliveryDeduplicator seen = _seen.GetOrAdd(subscription, _ => new DeliveryDeduplicator(options.Value.IdempotencyCapacity));
        if (key is { } k)
        {
            switch (seen.TryBegin(k))
            {
                case DeliveryAdmission.Duplicate:
                    logger.DuplicateAcknowledged(k.ToString(), subscription.Topic);
                    return HandlerResult.Success;
                case DeliveryAdmission.InFlight:
                    return HandlerResult.Retry;
            }
        }

        long started = Stopwatch.GetTimestamp();
        HandlerResult result = await InvokeAsync(subscription, message, key, cancellationToken);
        metrics.Delivered(subscription.Topic, result, Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (key is { } done)
        {
            if (result == HandlerResult.Retry) seen.Abandon(done);
            else seen.Complete(done);
        }
        return result;
    }

    private async Task<HandlerResult> InvokeAsync(MeshSubscription subscription, object message, DeliveryKey? key, CancellationToken cancellationToken)
    {
        try
        {
            await using AsyncServiceScope scope = scopes.CreateAsyncScope();
            return await subscription.Invoke(scope.ServiceProvider, message, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return HandlerResult.Retry;
        }
        catch (Exception ex)
        {
            logger.HandlerThrew(ex, subscription.HandlerName, subscription.Topic, key?.RequestId.Value);
            return HandlerResult.Retry;
        }
    }
}
