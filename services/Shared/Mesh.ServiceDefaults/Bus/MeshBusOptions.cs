namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// Bus settings, bound from the <c>Mesh:Bus</c> configuration section (env: <c>Mesh__Bus__Mode=Dapr</c>)
/// and validated at startup.
/// </summary>
public sealed class MeshBusOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Mesh:Bus";

    /// <summary>Transport.</summary>
    public MeshBusMode Mode { get; set; } = MeshBusMode.InProcess;

    /// <summary>Dapr pub/sub component name (<c>metadata.name</c> in components/*/pubsub.yaml).</summary>
    public string PubSubName { get; set; } = "pubsub";

    /// <summary>
    /// Default subscriber group for in-process subscriptions (under Dapr the sidecar's app id is the group).
    /// Defaults to <c>APP_ID</c> (set by the Dapr CLI), else the application name.
    /// </summary>
    public string? AppId { get; set; }

    /// <summary>
    /// In-process: deliveries of a message before it is dead-lettered. Under Dapr the same limit is the
    /// pub/sub inbound retry policy in components/*/resiliency.yaml (<c>maxRetries</c> + 1); keep them equal.
    /// </summary>
    public int MaxDeliveryCount { get; set; } = 5;

    /// <summary>In-process: delay before the second delivery; doubles per delivery up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>In-process: longest delay between deliveries.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>In-process: messages queued per subscriber group before publishers wait (backpressure).</summary>
    public int ChannelCapacity { get; set; } = 1024;

    /// <summary>Completed deliveries remembered per subscription to acknowledge redeliveries without side effects.</summary>
    public int IdempotencyCapacity { get; set; } = 65_536;
}
