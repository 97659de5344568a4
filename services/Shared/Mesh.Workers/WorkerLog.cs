using Mesh.Contracts;
using Microsoft.Extensions.Logging;

namespace Mesh.Workers;

/// <summary>Log messages of the worker roles (stable templates).</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Critical, Message = "The engine loop faulted and stopped; this worker serves nothing more")]
    public static partial void EngineLoopFaulted(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "An engine step failed; dropping {Sequences} sequences for a retry")]
    public static partial void StepFailed(this ILogger logger, Exception exception, int sequences);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Worker {Worker} serves {Model} as {Roles}: {Blocks} KV blocks of {BlockSize} tokens, {Threads} threads")]
    public static partial void WorkerStarted(this ILogger logger, WorkerId worker, string model, string roles, int blocks, int blockSize, int threads);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Stage {Stage} of request {RequestId} attempt {Attempt} failed on {Worker}: {Code}: {Reason}")]
    public static partial void StageFailed(this ILogger logger, string stage, RequestId requestId, int attempt, WorkerId worker, string code, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Stage {Stage} of request {RequestId} attempt {Attempt} faulted on {Worker}")]
    public static partial void StageFaulted(this ILogger logger, Exception exception, string stage, RequestId requestId, int attempt, WorkerId worker);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Error, Message = "Publishing a reply of request {RequestId} to {Topic} failed")]
    public static partial void ReplyPublishFailed(this ILogger logger, Exception exception, RequestId requestId, string topic);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "Released {Count} held KV sequences whose decode did not arrive in time on {Worker}")]
    public static partial void HeldKvExpired(this ILogger logger, int count, WorkerId worker);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Publishing the load report of {Worker} failed")]
    public static partial void LoadReportFailed(this ILogger logger, Exception exception, WorkerId worker);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "Importing {Blocks} cached prefix blocks of request {RequestId} from the KV cache failed; computing them instead")]
    public static partial void PrefixImportFailed(this ILogger logger, Exception exception, RequestId requestId, int blocks);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Saving a checkpoint of request {RequestId} attempt {Attempt} choice {Choice} on {Worker} failed")]
    public static partial void CheckpointFailed(this ILogger logger, Exception exception, RequestId requestId, int attempt, int choice, WorkerId worker);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Worker {Worker} was killed by an operator: its engine state is gone and it serves nothing more")]
    public static partial void WorkerKilled(this ILogger logger, WorkerId worker);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Worker {Worker} is draining: {Draining}")]
    public static partial void WorkerDraining(this ILogger logger, WorkerId worker, bool draining);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Information, Message = "Worker {Worker} now serves {Roles}: {Reason}")]
    public static partial void RolesAssigned(this ILogger logger, WorkerId worker, string roles, string reason);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = "Worker {Worker} refused roles {Roles}: it can serve only {Capabilities}")]
    public static partial void RoleAssignmentRefused(this ILogger logger, WorkerId worker, string roles, string capabilities);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Information, Message = "Model {Model}: Q8_0/Q4_K/Q6_K matrices rearranged into panels {Milliseconds} ms after load began; engines now decode from them")]
    public static partial void PanelsReady(this ILogger logger, string model, long milliseconds);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Warning, Message = "Model {Model}: rearranging the Q8_0/Q4_K/Q6_K matrices into panels failed; engines keep the file's rows (slower decode, same results)")]
    public static partial void PanelsFailed(this ILogger logger, string model, Exception exception);
}
