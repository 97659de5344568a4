namespace Mesh.Workers.Engine;

/// <summary>
/// The engine could not keep a sequence: its KV pool could not hold the work queued (or the engine stopped).
/// Transient: the scheduler retries the request under a new attempt.
/// </summary>
public sealed class EngineOverloadedException(string message, Exception? inner = null) : Exception(message, inner);
