using Mesh.Contracts;
using Microsoft.Extensions.Logging;

namespace Mesh.Scheduler;

/// <summary>Log messages of the scheduler (stable templates; per-request lines at Debug).</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Request {RequestId} attempt {Attempt}: prefill on {Worker}")]
    public static partial void PrefillPlaced(this ILogger logger, RequestId requestId, int attempt, WorkerId worker);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Request {RequestId} attempt {Attempt}: decode on {Worker} from KV in {Tier}")]
    public static partial void DecodePlaced(this ILogger logger, RequestId requestId, int attempt, WorkerId worker, KvTier tier);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Request {RequestId} retried as attempt {Attempt} after {Code}: {Reason}")]
    public static partial void Retrying(this ILogger logger, RequestId requestId, int attempt, string code, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Request {RequestId} attempt {Attempt} failed: {Code}: {Reason}")]
    public static partial void RequestFailed(this ILogger logger, RequestId requestId, int attempt, string code, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Worker {Worker} stopped reporting; its requests are retried")]
    public static partial void WorkerLost(this ILogger logger, WorkerId worker);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Request {RequestId} refused: {Reason}")]
    public static partial void RequestRefused(this ILogger logger, RequestId requestId, string reason);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "The scheduler could not apply {Event}")]
    public static partial void ApplyFaulted(this ILogger logger, Exception exception, string @event);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Error, Message = "Publishing {Message} to {Topic} failed")]
    public static partial void PublishFailed(this ILogger logger, Exception exception, string message, string topic);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Looking up the cached prefix of request {RequestId} failed; placing it without")]
    public static partial void PrefixLookupFailed(this ILogger logger, Exception exception, RequestId requestId);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Scheduler serves {Model}: context {Context} tokens, chat format {Chat}, blocks of {BlockSize}")]
    public static partial void SchedulerStarted(this ILogger logger, string model, int context, string chat, int blockSize);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Admitting request {RequestId} faulted")]
    public static partial void AdmissionFaulted(this ILogger logger, Exception exception, RequestId requestId);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Preempting offline request {RequestId} choice {Choice} on {Worker} for online work")]
    public static partial void Preempting(this ILogger logger, RequestId requestId, int choice, WorkerId worker);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "Request {RequestId} choice {Choice} resumes on {Worker} attempt {Attempt} from {Tokens} generated tokens")]
    public static partial void ChoiceResumed(this ILogger logger, RequestId requestId, int choice, WorkerId worker, int attempt, int tokens);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Information, Message = "Online request {RequestId} refused: predicted time to first token {PredictedMs:F0} ms is past its target {TargetMs:F0} ms")]
    public static partial void AdmissionRefused(this ILogger logger, RequestId requestId, double predictedMs, double targetMs);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Warning, Message = "The scheduler restarted: {Requests} requests recovered from its journal")]
    public static partial void Recovered(this ILogger logger, int requests);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Error, Message = "Writing the journal entry of request {RequestId} failed")]
    public static partial void JournalFailed(this ILogger logger, Exception exception, RequestId requestId);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Information, Message = "Moving worker {Worker} to {Roles}: {Reason}")]
    public static partial void MovingWorker(this ILogger logger, WorkerId worker, string roles, string reason);
}
