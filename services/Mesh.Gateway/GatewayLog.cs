namespace Mesh.Gateway;

/// <summary>The gateway's log messages (stable templates, source-generated). Nothing is logged per token.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(1, LogLevel.Information, "Request {RequestId} for model {Model} published: {Choices} choice(s), max {MaxTokens} tokens, stream {Stream}, priority {Priority}, user {User}")]
    public static partial void Published(this ILogger logger, string requestId, string model, int choices, int maxTokens, bool stream, string priority, string? user);

    [LoggerMessage(2, LogLevel.Warning, "Request {RequestId} cancelled in the mesh: {Reason}")]
    public static partial void Cancelled(this ILogger logger, string requestId, string reason);

    [LoggerMessage(3, LogLevel.Error, "Could not publish the cancellation of request {RequestId} ({Reason}); the mesh finishes it for nobody")]
    public static partial void CancelNotPublished(this ILogger logger, Exception exception, string requestId, string reason);

    [LoggerMessage(4, LogLevel.Debug, "{Kind} for request {RequestId} arrived after the request stopped waiting; dropped")]
    public static partial void LateReply(this ILogger logger, string kind, string requestId);

    [LoggerMessage(5, LogLevel.Debug, "Reply queue of request {RequestId} is full; the reply will be redelivered")]
    public static partial void ReplyQueueFull(this ILogger logger, string requestId);

    [LoggerMessage(6, LogLevel.Warning, "Request {RequestId} got a reply for choice {ChoiceIndex}, but it has {Choices} choice(s); ignored")]
    public static partial void UnexpectedChoice(this ILogger logger, string requestId, int choiceIndex, int choices);

    [LoggerMessage(7, LogLevel.Warning, "Request {RequestId} failed with {Status} {Code}: {Message}")]
    public static partial void RequestFailed(this ILogger logger, string requestId, int status, string? code, string message);

    [LoggerMessage(8, LogLevel.Error, "Publishing request {RequestId} failed")]
    public static partial void PublishFailed(this ILogger logger, Exception exception, string requestId);
}
