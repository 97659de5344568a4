namespace Mesh.Gateway.Batches;

/// <summary>The batch API's log messages (stable templates, source-generated). Nothing is logged per successful line.</summary>
internal static partial class BatchLog
{
    [LoggerMessage(100, LogLevel.Information, "Batch {BatchId} created by {Tenant}: input {InputFileId}, endpoint {Endpoint}")]
    public static partial void Created(this ILogger logger, string batchId, string tenant, string inputFileId, string endpoint);

    [LoggerMessage(101, LogLevel.Information, "Batch {BatchId} is {Status}: {Total} lines, {Completed} completed, {Failed} failed")]
    public static partial void Ended(this ILogger logger, string batchId, string status, int total, int completed, int failed);

    [LoggerMessage(102, LogLevel.Information, "Batch {BatchId} resumed: {Done} of its lines had finished before, and are not run again")]
    public static partial void Resumed(this ILogger logger, string batchId, int done);

    [LoggerMessage(103, LogLevel.Information, "Batch {BatchId} is cancelling")]
    public static partial void Cancelling(this ILogger logger, string batchId);

    [LoggerMessage(104, LogLevel.Error, "Batch {BatchId} stopped on an unexpected error")]
    public static partial void BatchFaulted(this ILogger logger, Exception exception, string batchId);

    [LoggerMessage(105, LogLevel.Error, "Line {Line} of batch {BatchId} failed in the gateway; recorded as a 500 error")]
    public static partial void LineFaulted(this ILogger logger, Exception exception, string batchId, int line);

    [LoggerMessage(106, LogLevel.Warning, "Could not read {Path}; ignored")]
    public static partial void UnreadableState(this ILogger logger, Exception exception, string path);
}
