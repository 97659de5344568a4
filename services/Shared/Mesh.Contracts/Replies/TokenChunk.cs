namespace Mesh.Contracts;

/// <summary>
/// Tokens of one choice. <see cref="Sequence"/> numbers the chunks of a choice from 0 without gaps, across
/// attempts, so a consumer delivers each token exactly once even when a chunk is redelivered or a decode
/// is migrated.
/// </summary>
/// <param name="Envelope">Request, attempt, priority, deadline, tenant.</param>
/// <param name="ChoiceIndex">Which of the n choices.</param>
/// <param name="Sequence">Chunk number within the choice.</param>
/// <param name="TokenIds">Tokens of this chunk, in order.</param>
/// <param name="TextDelta">Detokenized text of this chunk (may be empty while a multi-byte character is incomplete).</param>
/// <param name="Logprobs">One entry per token when logprobs were requested; null otherwise.</param>
/// <param name="FinishReason">Set on the choice's last chunk only.</param>
public sealed record TokenChunk(
    MessageEnvelope Envelope,
    int ChoiceIndex,
    long Sequence,
    int[] TokenIds,
    string TextDelta,
    SampledToken[]? Logprobs = null,
    FinishReason? FinishReason = null) : ReplyMessage(Envelope), IRequestMessage
{
    MessagePart IRequestMessage.Part => new(ChoiceIndex, Sequence);
}
