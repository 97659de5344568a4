namespace Mesh.Contracts;

/// <summary>
/// A stage or the whole request failed. Workers send it to the scheduler (<see cref="Topics.StageFailed"/>),
/// which retries under a new attempt or ends the reply stream with it.
/// </summary>
/// <param name="Envelope">Request, attempt, priority, deadline, tenant.</param>
/// <param name="Code">One of <see cref="FailureCodes"/>.</param>
/// <param name="Message">Human-readable cause, safe to show the client.</param>
/// <param name="Retryable">True when a new attempt may succeed (worker lost, KV mismatch); false for invalid input.</param>
/// <param name="Worker">The worker that failed, when a worker did.</param>
/// <param name="ChoiceIndex">The choice whose decode failed, for a decode failure; null otherwise.</param>
/// <param name="RetryAfterSeconds">For <see cref="FailureCodes.Overloaded"/>: when trying again is likely to succeed (HTTP <c>Retry-After</c>).</param>
public sealed record Failed(MessageEnvelope Envelope, string Code, string Message, bool Retryable, WorkerId? Worker = null, int? ChoiceIndex = null, double? RetryAfterSeconds = null)
    : ReplyMessage(Envelope), IRequestMessage;
