using Mesh.Contracts;
using Mesh.Gateway.Requests;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Gateway.Replies;

/// <summary>
/// Submits a validated request to the mesh: registers for its replies first (so none can arrive unrouted), then
/// publishes the <see cref="InferenceRequest"/> on <see cref="Topics.Requests"/>.
/// </summary>
internal sealed class InferenceDispatcher(IMeshBus bus, ReplyRegistry registry, TimeProvider time, ILogger<InferenceDispatcher> logger)
{
    /// <summary>The request's replies; dispose the stream when done with it.</summary>
    /// <exception cref="OpenAiException">503: the bus refused the request.</exception>
    public async Task<ReplyStream> SubmitAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        InferenceRequest message = request.Message;
        ReplyRegistration registration = registry.Register(message.Envelope.RequestId);
        try
        {
            await bus.PublishAsync(Topics.Requests, message, cancellationToken);
        }
        catch (MeshBusException ex)
        {
            registration.Dispose();
            logger.PublishFailed(ex, request.Id.Value);
            throw OpenAiException.Unavailable($"The mesh did not accept request {request.Id}: {ex.Message}");
        }
        catch
        {
            registration.Dispose();
            throw;
        }
        logger.Published(request.Id.Value, message.Model, message.Sampling.N, message.Sampling.MaxTokens, message.Stream,
            message.Envelope.Priority.ToString(), request.User);
        return new ReplyStream(request, registration, bus, time, logger);
    }
}
