namespace Mesh.Scheduler.Lifecycle;

/// <summary>
/// A message the scheduler core decided to send: a stage task to a worker topic, a cancellation, or a
/// <c>ReplyMessage</c> (completed or failed) to a request's reply topic. The loop publishes them in order.
/// </summary>
public readonly record struct Outbound(string Topic, object Message);
