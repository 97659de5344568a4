using System.Net.Mime;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// Publishes through the Dapr sidecar (<see cref="DaprClient"/>, gRPC <c>PublishEvent</c>) to the pub/sub
/// component <see cref="MeshBusOptions.PubSubName"/>. The bus serializes the message itself (with
/// <see cref="MeshSerializer"/>, as <c>application/json</c>) so the wire form does not depend on how the app
/// configured its <see cref="DaprClient"/>. Subscriptions are served by <c>MapMeshSubscriptions()</c>.
/// </summary>
public sealed class DaprBus(DaprClient dapr, MeshSerializer serializer, IOptions<MeshBusOptions> options, MeshBusMetrics metrics) : IMeshBus
{
    /// <inheritdoc />
    public async Task PublishAsync<T>(string topic, T message, CancellationToken cancellationToken = default) where T : notnull
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        string pubsub = options.Value.PubSubName;
        byte[] data = JsonSerializer.SerializeToUtf8Bytes(message, serializer.TypeInfo<T>());
        try
        {
            await dapr.PublishByteEventAsync(pubsub, topic, data, MediaTypeNames.Application.Json, DaprPublishMetadata.For(message), cancellationToken);
        }
        catch (Exception ex) when (ex is DaprException or RpcException)
        {
            throw new MeshBusException($"Publishing {typeof(T).Name} to Dapr pub/sub '{pubsub}', topic '{topic}' failed: {ex.Message}", ex);
        }
        metrics.Published(topic);
    }
}
