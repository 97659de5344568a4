namespace Mesh.Contracts;

/// <summary>Stops a request (client disconnected, or the caller gave up); published on <see cref="Topics.Cancellations"/>.</summary>
/// <param name="Envelope">The request to cancel; its attempt is the attempt current when cancelling.</param>
/// <param name="Reason">Why, for logs and the final <see cref="Completed"/> / <see cref="Failed"/>.</param>
public sealed record CancelRequest(MessageEnvelope Envelope, string Reason) : IRequestMessage;
