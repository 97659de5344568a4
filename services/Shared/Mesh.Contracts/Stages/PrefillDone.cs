namespace Mesh.Contracts;

/// <summary>The prompt's KV is in the KV cache and the first token is sampled.</summary>
/// <param name="Envelope">Request, attempt, priority, deadline, tenant.</param>
/// <param name="Kv">The prompt's KV state (prefix blocks included).</param>
/// <param name="FirstToken">The first generated token with its logprob.</param>
/// <param name="PromptTokenCount">Tokens in the prompt.</param>
/// <param name="CachedTokenCount">Prompt tokens whose KV came from the cache rather than being computed.</param>
/// <param name="Worker">The prefill worker.</param>
public sealed record PrefillDone(
    MessageEnvelope Envelope,
    KvRef Kv,
    SampledToken FirstToken,
    int PromptTokenCount,
    int CachedTokenCount,
    WorkerId Worker) : IRequestMessage;
