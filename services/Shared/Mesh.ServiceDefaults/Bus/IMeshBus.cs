namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// The transport seam: publishes control messages to a topic. <see cref="InProcessBus"/> runs every service in
/// one process; <see cref="DaprBus"/> goes through the Dapr sidecar. Subscriptions are declared with
/// <see cref="MeshBusBuilder"/> and delivered at least once to every subscriber group (app id) of the topic.
/// </summary>
public interface IMeshBus
{
    /// <summary>
    /// Publishes <paramref name="message"/> to <paramref name="topic"/>, serialized as <typeparamref name="T"/>
    /// (publish to a topic as the type its subscribers declare; for a polymorphic base such as
    /// <c>ReplyMessage</c> that writes the type discriminator). Completes when the transport has accepted the
    /// message: in-process, once it is queued for every subscriber group, waiting while a group's bounded
    /// queue is full; under Dapr, once the sidecar acknowledged the publish.
    /// </summary>
    /// <exception cref="MeshBusException">The transport refused the message (bus stopped, sidecar error, type mismatch).</exception>
    Task PublishAsync<T>(string topic, T message, CancellationToken cancellationToken = default) where T : notnull;
}
