namespace Mesh.Contracts;

/// <summary>A choice finished. Ends the reply stream of that choice; also sent to the scheduler on <see cref="Topics.DecodeDone"/>.</summary>
/// <param name="Envelope">Request, attempt, priority, deadline, tenant.</param>
/// <param name="ChoiceIndex">Which of the n choices.</param>
/// <param name="FinishReason">Why it stopped.</param>
/// <param name="Usage">Token counts.</param>
public sealed record Completed(MessageEnvelope Envelope, int ChoiceIndex, FinishReason FinishReason, Usage Usage)
    : ReplyMessage(Envelope), IRequestMessage
{
    MessagePart IRequestMessage.Part => new(ChoiceIndex, 0);
}
