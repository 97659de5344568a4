using Mesh.Contracts;
using Mesh.Engine.Scheduling;
using Mesh.KvCache;
using Mesh.Workers.Engine;
using Mesh.Workers.Kv;

namespace Mesh.Workers;

/// <summary>
/// A stage cannot finish; becomes a <see cref="Failed"/> on <see cref="Topics.StageFailed"/>, and the scheduler
/// retries (retryable) or ends the request with it.
/// </summary>
/// <param name="code">One of <see cref="FailureCodes"/>.</param>
/// <param name="message">Safe to show the client.</param>
/// <param name="retryable">Whether a new attempt may succeed.</param>
internal sealed class StageFailure(string code, string message, bool retryable, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;

    public bool Retryable { get; } = retryable;

    public static StageFailure Invalid(string message) => new(FailureCodes.InvalidRequest, message, retryable: false);

    /// <summary>The failure an exception from the engine, the KV cache or a KV check stands for.</summary>
    public static StageFailure From(Exception ex) => ex switch
    {
        StageFailure failure => failure,
        RequestRejectedException rejected => Invalid(rejected.Message),
        KvMismatchException mismatch => new(FailureCodes.KvMismatch, "the KV reference cannot be used here: " + mismatch.Message, true, ex),
        KvChecksumException corrupt => new(FailureCodes.KvMismatch, corrupt.Message, true, ex),
        EngineOverloadedException overloaded => new(FailureCodes.Overloaded, overloaded.Message, true, ex),
        KvCacheException cache => new(FailureCodes.Internal, "the KV cache failed: " + cache.Message, true, ex),
        HttpRequestException http => new(FailureCodes.Internal, "the KV cache could not be reached: " + http.Message, true, ex),
        _ => new(FailureCodes.Internal, $"{ex.GetType().Name}: {ex.Message}", true, ex),
    };
}
