using Mesh.Contracts;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// Identity of one logical delivery of a request-scoped message: (request, attempt, message kind, part).
/// A redelivery or duplicate publish has the same key; a retry under a new attempt does not.
/// </summary>
public readonly record struct DeliveryKey(RequestId RequestId, int Attempt, string Kind, MessagePart Part)
{
    /// <summary>The key of <paramref name="message"/>; its kind is the runtime type name.</summary>
    public static DeliveryKey Of(IRequestMessage message) =>
        new(message.Envelope.RequestId, message.Envelope.Attempt, message.GetType().Name, message.Part);

    /// <summary><c>request/attempt/kind/index/sequence</c>; used as the broker message id.</summary>
    public override string ToString() => $"{RequestId.Value}/{Attempt}/{Kind}/{Part.Index}/{Part.Sequence}";
}
