namespace Mesh.Contracts;

/// <summary>
/// A message that belongs to one request. The bus derives its idempotency key from
/// (<see cref="MessageEnvelope.RequestId"/>, <see cref="MessageEnvelope.Attempt"/>, message kind, <see cref="Part"/>),
/// so a redelivered message is acknowledged without running its side effects twice.
/// </summary>
public interface IRequestMessage
{
    /// <summary>Request id, attempt, priority, deadline and tenant.</summary>
    MessageEnvelope Envelope { get; }

    /// <summary>Which part of the request this is, when a kind occurs more than once per attempt. Not serialized.</summary>
    MessagePart Part => default;
}
