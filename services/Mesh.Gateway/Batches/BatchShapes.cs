using System.Text.Json;

namespace Mesh.Gateway.Batches;

/// <summary>
/// OpenAI's <c>batch</c> object. Timestamps are unix seconds, null until the batch reaches that stage;
/// <see cref="OutputFileId"/> and <see cref="ErrorFileId"/> are set when the batch ends and has lines of that kind.
/// </summary>
internal sealed record BatchObject(
    string Id,
    string Object,
    string Endpoint,
    BatchErrors? Errors,
    string InputFileId,
    string CompletionWindow,
    string Status,
    string? OutputFileId,
    string? ErrorFileId,
    long CreatedAt,
    long? InProgressAt,
    long ExpiresAt,
    long? FinalizingAt,
    long? CompletedAt,
    long? FailedAt,
    long? ExpiredAt,
    long? CancellingAt,
    long? CancelledAt,
    RequestCounts RequestCounts,
    Dictionary<string, string>? Metadata)
{
    public const string ObjectName = "batch";
}

/// <summary>How many request lines the batch has, and how many ended well (output file) or badly (error file).</summary>
internal sealed record RequestCounts(int Total, int Completed, int Failed)
{
    public static readonly RequestCounts None = new(0, 0, 0);
}

/// <summary>Why a batch failed as a whole (empty or too large input): <c>{"object":"list","data":[…]}</c>.</summary>
internal sealed record BatchErrors(string Object, BatchError[] Data);

/// <summary>One batch-level error; <see cref="Line"/> is 1-based when the error is about one line.</summary>
internal sealed record BatchError(string Code, string Message, string? Param, int? Line);

/// <summary><c>GET /v1/batches</c>: newest first.</summary>
internal sealed record BatchList(string Object, BatchObject[] Data, string? FirstId, string? LastId, bool HasMore);

/// <summary>The statuses of a batch, as OpenAI names them.</summary>
internal static class BatchStatus
{
    public const string Validating = "validating";
    public const string Failed = "failed";
    public const string InProgress = "in_progress";
    public const string Finalizing = "finalizing";
    public const string Completed = "completed";
    public const string Expired = "expired";
    public const string Cancelling = "cancelling";
    public const string Cancelled = "cancelled";

    /// <summary>Whether the batch will not change any more.</summary>
    public static bool IsTerminal(string status) => status is Failed or Completed or Expired or Cancelled;
}

/// <summary>Body of <c>POST /v1/batches</c>.</summary>
internal sealed class CreateBatchRequest
{
    public string? InputFileId { get; set; }
    public string? Endpoint { get; set; }
    public string? CompletionWindow { get; set; }

    /// <summary>At most 16 pairs; keys up to 64 characters, values up to 512.</summary>
    public Dictionary<string, string>? Metadata { get; set; }
}

/// <summary>A batch as the store keeps it.</summary>
/// <param name="Batch">What the API shows.</param>
/// <param name="Tenant">The creator; other tenants get 404, and every line is submitted as this tenant.</param>
/// <param name="Created">Creation time at full precision (ordering).</param>
/// <param name="OutputFileId">Chosen at creation, so writing the output file again after a crash gives the same file.</param>
/// <param name="ErrorFileId">Likewise for the error file.</param>
internal sealed record StoredBatch(BatchObject Batch, string Tenant, DateTimeOffset Created, string OutputFileId, string ErrorFileId)
{
    public string Id => Batch.Id;

    public string Status => Batch.Status;
}

/// <summary>One line of a batch input file: <c>{"custom_id","method","url","body"}</c>.</summary>
internal sealed class BatchInputLine
{
    public string? CustomId { get; set; }
    public string? Method { get; set; }
    public string? Url { get; set; }

    /// <summary>The request body, as <see cref="Url"/> would take it.</summary>
    public JsonElement? Body { get; set; }
}

/// <summary>
/// One line of a batch's output or error file. Output lines carry the 200 response (its <c>body</c> is what the
/// non-streaming endpoint answers); error lines carry the error response the HTTP endpoint would give, or, for lines
/// the batch never ran (it expired), <see cref="Error"/> and no response.
/// </summary>
/// <param name="Id"><c>batch_req_…</c>.</param>
/// <param name="CustomId">The line's <c>custom_id</c>; null when the line had none that could be read.</param>
internal sealed record BatchOutputLine(string Id, string? CustomId, BatchLineResponse? Response, BatchLineError? Error);

/// <summary>The HTTP answer a line got.</summary>
/// <param name="RequestId">The mesh request id (also the completion's id); null when nothing was submitted.</param>
/// <param name="Body">The completion object, or <c>{"error":{…}}</c>.</param>
internal sealed record BatchLineResponse(int StatusCode, string? RequestId, JsonElement Body);

/// <summary>Why a line has no response (<c>batch_expired</c>).</summary>
internal sealed record BatchLineError(string Code, string Message);

/// <summary>
/// A finished line in a batch's result journal: which input line (1-based), its custom id (for duplicate
/// detection on resume), whether it goes to the output or the error file, and the line to write there.
/// </summary>
internal sealed record JournalEntry(int Line, string? CustomId, bool Succeeded, BatchOutputLine Result);
