using Microsoft.Extensions.Logging;

namespace Mesh.KvCache;

/// <summary>The service's log messages: stable templates, one event id each.</summary>
internal static partial class KvCacheLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Redis block {Block} is corrupt ({Problem}); treated as a miss and deleted")]
    public static partial void CorruptRedisBlock(this ILogger logger, string block, string problem);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Redis read of {Block} failed; treated as a miss")]
    public static partial void RedisReadFailed(this ILogger logger, Exception exception, string block);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Spilling {Count} evicted blocks to Redis failed; they are dropped")]
    public static partial void SpillFailed(this ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Publishing KvEvent {EventId} failed; the scheduler will see the gap and re-sync")]
    public static partial void EventPublishFailed(this ILogger logger, Exception exception, long eventId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "KV cache: RAM budget {RamBytes} bytes, Redis tier {Redis}")]
    public static partial void Started(this ILogger logger, long ramBytes, string redis);
}
