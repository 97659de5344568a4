namespace Mesh.Contracts;

/// <summary>Values of <see cref="Failed.Code"/>.</summary>
public static class FailureCodes
{
    /// <summary>The request cannot be served as given (unknown model, prompt too long, bad parameters).</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>The deadline passed before the request finished.</summary>
    public const string DeadlineExceeded = "deadline_exceeded";

    /// <summary>A KV reference did not match the model fingerprint, layout or checksum; recompute.</summary>
    public const string KvMismatch = "kv_mismatch";

    /// <summary>The worker holding the request stopped heartbeating.</summary>
    public const string WorkerLost = "worker_lost";

    /// <summary>No capacity within the deadline.</summary>
    public const string Overloaded = "overloaded";

    /// <summary>The message kept failing and was dead-lettered.</summary>
    public const string PoisonMessage = "poison_message";

    /// <summary>The request was cancelled.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>A bug or an unexpected fault; the message says where.</summary>
    public const string Internal = "internal";
}
