namespace Mesh.Scheduler.Admission;

/// <summary>A request that can never be served as given; the message tells the client what to change.</summary>
public sealed class RequestInvalidException(string message) : Exception(message);
