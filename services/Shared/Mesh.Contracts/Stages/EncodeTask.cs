namespace Mesh.Contracts;

/// <summary>Encode one media item of a request (items of one request are encoded in parallel).</summary>
/// <param name="Envelope">Request, attempt, priority, deadline, tenant.</param>
/// <param name="Model">Model whose encoder produces the embeddings.</param>
/// <param name="ItemIndex">Position of the item among the request's media, 0-based.</param>
/// <param name="Media">Where the bytes are and their content hash.</param>
public sealed record EncodeTask(MessageEnvelope Envelope, string Model, int ItemIndex, MediaRef Media) : IRequestMessage
{
    MessagePart IRequestMessage.Part => new(ItemIndex, 0);
}
