namespace Mesh.Contracts;

/// <summary>Run a prompt through the model, write its KV blocks and sample the first token.</summary>
/// <param name="Envelope">Request, attempt, priority, deadline, tenant.</param>
/// <param name="Model">Served model name.</param>
/// <param name="TokenIds">The whole prompt, tokenized by the scheduler.</param>
/// <param name="Sampling">Sampling parameters for the first token.</param>
/// <param name="CachedPrefix">KV already held for a prefix of <paramref name="TokenIds"/>; prefill computes only the rest. Null (omitted) when nothing is cached.</param>
public sealed record PrefillTask(
    MessageEnvelope Envelope,
    string Model,
    int[] TokenIds,
    SamplingParameters Sampling,
    KvRef? CachedPrefix = null) : IRequestMessage;
