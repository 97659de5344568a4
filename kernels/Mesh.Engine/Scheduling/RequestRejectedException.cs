namespace Mesh.Engine.Scheduling;

/// <summary>A generation request the engine cannot run as given (empty or oversized prompt, token
/// ids outside the vocabulary, bad sampling parameters). The message says what to change.</summary>
public sealed class RequestRejectedException(string message) : Exception(message);
