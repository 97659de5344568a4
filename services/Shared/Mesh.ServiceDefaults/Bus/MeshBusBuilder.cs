using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>Declares subscriptions; returned by <c>AddMeshBus()</c>. Each call adds to the same bus.</summary>
public sealed class MeshBusBuilder
{
    internal MeshBusBuilder(IServiceCollection services) => Services = services;

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Handles <paramref name="topic"/> with <typeparamref name="THandler"/>, resolved from a new scope per
    /// delivery (registered scoped unless already registered).
    /// </summary>
    public MeshBusBuilder Subscribe<TMessage, THandler>(string topic, SubscriptionOptions? options = null)
        where TMessage : notnull
        where THandler : class, IMessageHandler<TMessage>
    {
        Services.TryAddScoped<THandler>();
        Services.AddSingleton(new MeshSubscription(
            topic,
            typeof(TMessage),
            typeof(THandler).Name,
            options ?? new SubscriptionOptions(),
            static (services, message, ct) => services.GetRequiredService<THandler>().HandleAsync((TMessage)message, ct)));
        return this;
    }

    /// <summary>Handles <paramref name="topic"/> with a delegate (small handlers, tests).</summary>
    public MeshBusBuilder Subscribe<TMessage>(
        string topic,
        Func<TMessage, CancellationToken, Task<HandlerResult>> handler,
        SubscriptionOptions? options = null)
        where TMessage : notnull
    {
        ArgumentNullException.ThrowIfNull(handler);
        Services.AddSingleton(new MeshSubscription(
            topic,
            typeof(TMessage),
            "delegate",
            options ?? new SubscriptionOptions(),
            (_, message, ct) => handler((TMessage)message, ct)));
        return this;
    }

    /// <summary>Adds JSON metadata for message types outside <c>Mesh.Contracts</c>.</summary>
    public MeshBusBuilder AddJsonTypeInfoResolver(IJsonTypeInfoResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        Services.AddSingleton(new JsonResolverRegistration(resolver));
        return this;
    }
}
