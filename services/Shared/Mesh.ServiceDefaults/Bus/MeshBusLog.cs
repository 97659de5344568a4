using Microsoft.Extensions.Logging;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>The bus's log messages (stable templates, source-generated).</summary>
internal static partial class MeshBusLog
{
    [LoggerMessage(1, LogLevel.Error, "Handler {Handler} of topic {Topic} threw for request {RequestId}; the message will be retried")]
    public static partial void HandlerThrew(this ILogger logger, Exception exception, string handler, string topic, string? requestId);

    [LoggerMessage(2, LogLevel.Debug, "Duplicate delivery {DeliveryKey} on topic {Topic} acknowledged without running the handler")]
    public static partial void DuplicateAcknowledged(this ILogger logger, string deliveryKey, string topic);

    [LoggerMessage(3, LogLevel.Warning, "Message on topic {Topic} for request {RequestId} dead-lettered to {DeadLetterTopic} after {Deliveries} deliveries: {Reason}")]
    public static partial void DeadLettered(this ILogger logger, string topic, string? requestId, string deadLetterTopic, int deliveries, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Dead-letter topic {DeadLetterTopic} has no subscriber; the message from {Topic} for request {RequestId} is discarded")]
    public static partial void DeadLetterUnheard(this ILogger logger, string deadLetterTopic, string topic, string? requestId);

    [LoggerMessage(5, LogLevel.Critical, "Consumer loop of topic {Topic}, group {Group} failed; the subscription no longer receives messages")]
    public static partial void ConsumerLoopFaulted(this ILogger logger, Exception exception, string topic, string group);

    [LoggerMessage(6, LogLevel.Error, "Redelivery of a message on topic {Topic}, group {Group} failed; the message is lost")]
    public static partial void RedeliveryFailed(this ILogger logger, Exception exception, string topic, string group);

    [LoggerMessage(7, LogLevel.Warning, "In-process bus stopped with {Count} undelivered messages (queued or awaiting redelivery)")]
    public static partial void StoppedWithUndelivered(this ILogger logger, int count);

    [LoggerMessage(8, LogLevel.Warning, "Dropping undeserializable message on topic {Topic} (expected {MessageType}): {Reason}")]
    public static partial void Undeserializable(this ILogger logger, string topic, string messageType, string reason);

    [LoggerMessage(9, LogLevel.Debug, "No subscriber on topic {Topic}; {MessageType} discarded")]
    public static partial void NoSubscriber(this ILogger logger, string topic, string messageType);
}
