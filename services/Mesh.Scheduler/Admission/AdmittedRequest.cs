using Mesh.Contracts;

namespace Mesh.Scheduler.Admission;

/// <summary>A request that passed admission: tokenized, its sampling settled (seed chosen, chat stop strings added).</summary>
/// <param name="Request">As submitted.</param>
/// <param name="TokenIds">The whole prompt.</param>
/// <param name="Sampling">What every stage uses; always has a seed, so a retry draws the same tokens.</param>
/// <param name="Chain">Hashes of the prompt's reusable full blocks (every prompt token but the last), salted by tenant.</param>
/// <param name="Media">Images to encode first; empty for text.</param>
/// <param name="Deadline">When the request is worthless: the envelope's, or admission time + the default.</param>
/// <param name="StoreCachedBlocks">Leading blocks of <see cref="Chain"/> the KV cache held at admission.</param>
public sealed record AdmittedRequest(
    InferenceRequest Request,
    int[] TokenIds,
    SamplingParameters Sampling,
    BlockHash[] Chain,
    MediaRef[] Media,
    DateTimeOffset Deadline,
    int StoreCachedBlocks = 0)
{
    /// <summary>The request's id.</summary>
    public RequestId Id => Request.Envelope.RequestId;
}
