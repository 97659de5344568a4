using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>
/// What a reply topic carries, in order: <see cref="TokenChunk"/>s, then one <see cref="Completed"/> or
/// <see cref="Failed"/> (closed set, JSON discriminator <c>"kind"</c>). Publish to a reply topic as
/// <c>PublishAsync&lt;ReplyMessage&gt;</c> so the discriminator is written.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(TokenChunk), "token")]
[JsonDerivedType(typeof(Completed), "completed")]
[JsonDerivedType(typeof(Failed), "failed")]
public abstract record ReplyMessage(MessageEnvelope Envelope);
