namespace Mesh.Contracts;

/// <summary>An item's embeddings are stored (under their content hash) and ready for prefill.</summary>
/// <param name="Envelope">Request, attempt, priority, deadline, tenant.</param>
/// <param name="ItemIndex">Which item of the request.</param>
/// <param name="ContentHash">The encode cache key.</param>
/// <param name="EmbeddingTokenCount">How many prompt positions the embeddings occupy.</param>
/// <param name="EmbeddingUri">Where the embedding tensor is held (kvcache key or blob URL); tensors never travel on the bus.</param>
/// <param name="Worker">The encode worker that produced it.</param>
public sealed record EncodeDone(
    MessageEnvelope Envelope,
    int ItemIndex,
    string ContentHash,
    int EmbeddingTokenCount,
    string EmbeddingUri,
    WorkerId Worker) : IRequestMessage
{
    MessagePart IRequestMessage.Part => new(ItemIndex, 0);
}
