namespace Mesh.Contracts;

/// <summary>
/// Stops a request (client disconnected, or the caller gave up); published on <see cref="Topics.Cancellations"/>.
/// The scheduler also sends it to one worker (<see cref="Topics.ForWorker"/>) to stop an attempt there, and to
/// preempt: with <see cref="Suspend"/> the decode saves its KV and state as a suspended
/// <see cref="DecodeCheckpoint"/> before it stops, and the client hears nothing.
/// </summary>
/// <param name="Envelope">The request to cancel; its attempt is the attempt current when cancelling (that attempt and older ones stop).</param>
/// <param name="Reason">Why, for logs and the final <see cref="Completed"/> / <see cref="Failed"/>.</param>
/// <param name="ChoiceIndex">Only this choice; null = every choice of the request.</param>
/// <param name="Suspend">Save a checkpoint and stop silently (preemption) instead of finishing as cancelled.</param>
public sealed record CancelRequest(MessageEnvelope Envelope, string Reason, int? ChoiceIndex = null, bool Suspend = false) : IRequestMessage
{
    // A cancel of every choice is part (0, 0), like any once-per-attempt message; one choice's is (choice + 1, suspend).
    MessagePart IRequestMessage.Part => ChoiceIndex is null && !Suspend ? default : new((ChoiceIndex ?? 0) + 1, Suspend ? 1 : 0);
}
