using Dapr;
using Mesh.ServiceDefaults.Bus;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults;

/// <summary>Exposes the registered subscriptions to daprd.</summary>
public static class MeshSubscriptionEndpoints
{
    /// <summary>
    /// In Dapr mode: <c>UseCloudEvents()</c>, <c>GET /dapr/subscribe</c>, and one <c>POST /mesh/topics/{topic}</c>
    /// endpoint per subscription, declared with its pub/sub component and dead-letter topic. In-process mode:
    /// nothing (the bus delivers by itself), so Program.cs is the same in both modes.
    /// </summary>
    /// <exception cref="MeshBusException">Two subscriptions of this app share a topic (Dapr allows one per app).</exception>
    public static WebApplication MapMeshSubscriptions(this WebApplication app)
    {
        MeshBusOptions options = app.Services.GetRequiredService<IOptions<MeshBusOptions>>().Value;
        if (options.Mode != MeshBusMode.Dapr) return app;

        MeshSubscription[] subscriptions = [.. app.Services.GetServices<MeshSubscription>()];
        IGrouping<string, MeshSubscription>? shared = subscriptions.GroupBy(s => s.Topic, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (shared is not null)
            throw new MeshBusException(
                $"Topic '{shared.Key}' has {shared.Count()} subscriptions ({string.Join(", ", shared.Select(s => s.HandlerName))}); under Dapr an app subscribes to a topic once.");

        app.UseCloudEvents();
        app.MapSubscribeHandler();
        foreach (MeshSubscription subscription in subscriptions)
        {
            app.MapPost(DaprTopicEndpoint.RouteFor(subscription.Topic), http => DaprTopicEndpoint.HandleAsync(http, subscription))
                .WithTopic(new TopicOptions
                {
                    PubsubName = options.PubSubName,
                    Name = subscription.Topic,
                    DeadLetterTopic = subscription.DeadLetterTopic,
                })
                .WithDisplayName("Dapr topic " + subscription.Topic);
        }
        return app;
    }
}
