using Mesh.Contracts;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// Publish metadata Mesh sets on every message: <c>cloudevent.type</c> = <c>mesh.&lt;Type&gt;</c> (routing
/// rules and dead-letter readers can tell kinds apart), and for request-scoped messages <c>MessageId</c> =
/// the delivery key, which Azure Service Bus duplicate detection uses (ids over 128 characters are left out,
/// the Service Bus limit).
/// </summary>
internal static class DaprPublishMetadata
{
    /// <summary>Service Bus MessageId length limit.</summary>
    private const int MaxMessageIdLength = 128;

    public static Dictionary<string, string> For(object message)
    {
        var metadata = new Dictionary<string, string>(2, StringComparer.Ordinal)
        {
            ["cloudevent.type"] = "mesh." + message.GetType().Name,
        };
        if (message is IRequestMessage { Envelope: not null } request)
        {
            string id = DeliveryKey.Of(request).ToString();
            if (id.Length <= MaxMessageIdLength) metadata["MessageId"] = id;
        }
        return metadata;
    }
}
