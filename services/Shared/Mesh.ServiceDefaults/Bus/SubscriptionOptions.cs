namespace Mesh.ServiceDefaults.Bus;

/// <summary>Per-subscription settings.</summary>
public sealed record SubscriptionOptions
{
    /// <summary>
    /// In-process subscriber group (the app id it stands for); every group receives each message once and the
    /// subscriptions of one group compete. Null: <see cref="MeshBusOptions.AppId"/>. Ignored under Dapr,
    /// where the sidecar's app id is the group.
    /// </summary>
    public string? Group { get; init; }

    /// <summary>In-process: deliveries of this subscription handled at once. Under Dapr: <c>appMaxConcurrency</c> in dapr.yaml.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Where dropped and exhausted messages go. Null: <c>Topics.DeadLetterFor(topic)</c>.</summary>
    public string? DeadLetterTopic { get; init; }
}
