namespace Mesh.Contracts;

/// <summary>
/// Generate tokens from a KV reference. Also the resume form after a migration: a decode that starts from a
/// checkpoint gets the tokens generated so far and the sampler position, so with a fixed seed its output
/// equals a run without the failure.
/// </summary>
/// <param name="Envelope">Request, attempt, priority, deadline, tenant.</param>
/// <param name="Model">Served model name.</param>
/// <param name="Kv">KV of the prompt (and, on resume, of the tokens generated so far).</param>
/// <param name="FirstToken">The token prefill sampled; decode emits it first and feeds it to the next step. Null for
/// choices after the first (n &gt; 1): prefill sampled only choice 0's, so the decode recomputes the last prompt
/// position and samples this choice's first token itself, with the choice's seed.</param>
/// <param name="SamplerPosition">Random draws the seeded sampler has made for this choice; a resumed decode skips that many.</param>
/// <param name="Sampling">Sampling parameters.</param>
/// <param name="ReplyTopic">Where <see cref="TokenChunk"/>s and the final <see cref="Completed"/> go.</param>
/// <param name="GeneratedTokenIds">Tokens generated after <paramref name="FirstToken"/> before a migration (penalties and stop strings need them); empty on a fresh hand-off.</param>
/// <param name="NextSequence">Sequence number of the next <see cref="TokenChunk"/>; 0 on a fresh hand-off.</param>
/// <param name="PromptTokenCount">Prompt length, for <see cref="Usage"/>.</param>
/// <param name="CachedTokenCount">Prompt tokens served from cache, for <see cref="Usage"/>.</param>
/// <param name="ChoiceIndex">Which of the request's n choices this decode produces.</param>
public sealed record DecodeTask(
    MessageEnvelope Envelope,
    string Model,
    KvRef Kv,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] SampledToken? FirstToken,
    long SamplerPosition,
    SamplingParameters Sampling,
    string ReplyTopic,
    int[] GeneratedTokenIds,
    long NextSequence,
    int PromptTokenCount,
    int CachedTokenCount,
    int ChoiceIndex = 0) : IRequestMessage
{
    MessagePart IRequestMessage.Part => new(ChoiceIndex, 0);
}
