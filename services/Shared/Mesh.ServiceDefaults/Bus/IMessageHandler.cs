namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// Handles the messages of one topic. Resolved from a fresh DI scope per delivery. Deliveries are at least once:
/// request-scoped messages are deduplicated on (request, attempt, kind, part) per subscription, but a handler
/// whose side effects must never repeat still checks its own state.
/// </summary>
public interface IMessageHandler<in TMessage> where TMessage : notnull
{
    /// <summary>Handles one delivery. Throwing is the same as returning <see cref="HandlerResult.Retry"/>.</summary>
    Task<HandlerResult> HandleAsync(TMessage message, CancellationToken cancellationToken);
}
