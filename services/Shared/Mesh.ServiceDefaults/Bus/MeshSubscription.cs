using Mesh.Contracts;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// One registered subscription: a topic, the message type it is read as, and the handler. Registered in DI by
/// <see cref="MeshBusBuilder"/>; the in-process bus turns it into a consumer loop, the Dapr wiring into an
/// HTTP endpoint listed by <c>GET /dapr/subscribe</c>.
/// </summary>
public sealed class MeshSubscription
{
    internal MeshSubscription(
        string topic,
        Type messageType,
        string handlerName,
        SubscriptionOptions options,
        Func<IServiceProvider, object, CancellationToken, Task<HandlerResult>> invoke)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        if (options.Concurrency < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"Concurrency of the {topic} subscription must be at least 1, was {options.Concurrency}.");
        Topic = topic;
        MessageType = messageType;
        HandlerName = handlerName;
        Options = options;
        Invoke = invoke;
    }

    /// <summary>Topic subscribed to.</summary>
    public string Topic { get; }

    /// <summary>Type messages of the topic are deserialized as.</summary>
    public Type MessageType { get; }

    /// <summary>Handler type name (or "delegate"), for logs.</summary>
    public string HandlerName { get; }

    /// <summary>Group, concurrency, dead-letter topic.</summary>
    public SubscriptionOptions Options { get; }

    /// <summary>Dead-letter topic of this subscription.</summary>
    public string DeadLetterTopic => Options.DeadLetterTopic ?? Topics.DeadLetterFor(Topic);

    /// <summary>Runs the handler in the given scope.</summary>
    internal Func<IServiceProvider, object, CancellationToken, Task<HandlerResult>> Invoke { get; }

    /// <summary>The subscriber group, given the bus's default app id.</summary>
    internal string GroupOr(string appId) => Options.Group ?? appId;

    /// <inheritdoc />
    public override string ToString() => $"{Topic} → {HandlerName} ({MessageType.Name})";
}
