using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Gateway.Replies;

/// <summary>
/// Handles this instance's reply topic: hands each <see cref="ReplyMessage"/> to the request waiting for it.
/// A reply nobody waits for is acknowledged and dropped (the client is gone); a reply for a request whose queue
/// is full is redelivered later by the bus, and the <see cref="ChoiceSequencer"/> puts it back in order.
/// </summary>
internal sealed class ReplyTopicHandler(ReplyRegistry registry, ILogger<ReplyTopicHandler> logger) : IMessageHandler<ReplyMessage>
{
    public Task<HandlerResult> HandleAsync(ReplyMessage message, CancellationToken cancellationToken)
    {
        switch (registry.Deliver(message))
        {
            case ReplyDelivery.Delivered:
                return Task.FromResult(HandlerResult.Success);
            case ReplyDelivery.Full:
                logger.ReplyQueueFull(message.Envelope.RequestId.Value);
                return Task.FromResult(HandlerResult.Retry);
            default:
                logger.LateReply(message.GetType().Name, message.Envelope.RequestId.Value);
                return Task.FromResult(HandlerResult.Success);
        }
    }
}
