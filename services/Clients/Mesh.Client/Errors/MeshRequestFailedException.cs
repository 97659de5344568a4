using Mesh.Contracts;

namespace Mesh.Client;

/// <summary>
/// A request submitted on pub/sub ended without completing: the mesh answered <see cref="Failed"/>, or no final
/// reply came before the request's deadline (<see cref="FailureCodes.DeadlineExceeded"/>).
/// </summary>
public sealed class MeshRequestFailedException : MeshClientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="requestId">The request that failed.</param>
    /// <param name="code">One of <see cref="FailureCodes"/>.</param>
    /// <param name="reason">Why, as the mesh or the client put it.</param>
    /// <param name="retryable">True when submitting again may succeed.</param>
    /// <param name="worker">The worker that failed, when one did.</param>
    public MeshRequestFailedException(RequestId requestId, string code, string reason, bool retryable, WorkerId? worker = null)
        : base($"Request {requestId.Value} failed ({code}{(retryable ? ", retryable" : "")}): {reason}")
    {
        RequestId = requestId;
        Code = code;
        Reason = reason;
        Retryable = retryable;
        Worker = worker;
    }

    /// <summary>The request that failed.</summary>
    public RequestId RequestId { get; }

    /// <summary>One of <see cref="FailureCodes"/>.</summary>
    public string Code { get; }

    /// <summary>The failure's message, without the request id and code that <see cref="Exception.Message"/> adds.</summary>
    public string Reason { get; }

    /// <summary>True when a new submission may succeed (worker lost, overloaded).</summary>
    public bool Retryable { get; }

    /// <summary>The worker that failed, when a worker did.</summary>
    public WorkerId? Worker { get; }

    /// <summary>The exception for a <see cref="Failed"/> reply.</summary>
    public static MeshRequestFailedException From(Failed failed) =>
        new(failed.Envelope.RequestId, failed.Code, failed.Message, failed.Retryable, failed.Worker);
}
