namespace Mesh.Contracts;

/// <summary>
/// Pub/sub topic names (Redis stream names locally, Service Bus topic names on Azure). Each topic carries
/// exactly one message type, named beside it; a subscriber deserializes as that type.
/// </summary>
public static class Topics
{
    /// <summary><see cref="InferenceRequest"/>: gateway and external clients → scheduler.</summary>
    public const string Requests = "mesh.requests";

    /// <summary><see cref="CancelRequest"/>: gateway (client went away) → scheduler.</summary>
    public const string Cancellations = "mesh.cancellations";

    /// <summary><see cref="EncodeTask"/>: scheduler → encode.</summary>
    public const string Encode = "mesh.encode";

    /// <summary><see cref="Contracts.EncodeDone"/>: encode → scheduler.</summary>
    public const string EncodeDone = "mesh.encode.done";

    /// <summary><see cref="PrefillTask"/>: scheduler → prefill.</summary>
    public const string Prefill = "mesh.prefill";

    /// <summary><see cref="Contracts.PrefillDone"/>: prefill → scheduler.</summary>
    public const string PrefillDone = "mesh.prefill.done";

    /// <summary><see cref="DecodeTask"/>: scheduler → decode.</summary>
    public const string Decode = "mesh.decode";

    /// <summary><see cref="Completed"/>: decode → scheduler (the same record also ends the reply stream).</summary>
    public const string DecodeDone = "mesh.decode.done";

    /// <summary><see cref="DecodeCheckpoint"/>: decode → scheduler, as a decode's KV reaches the KV cache or it is preempted.</summary>
    public const string DecodeCheckpoints = "mesh.decode.checkpoints";

    /// <summary><see cref="Failed"/>: any worker → scheduler, which decides between retry and a final failure.</summary>
    public const string StageFailed = "mesh.stage.failed";

    /// <summary>Attention tasks: prefill/decode → attention servers.</summary>
    public const string Attention = "mesh.attention";

    /// <summary><see cref="KvEvent"/> (stored/removed/cleared): kvcache and workers → scheduler's prefix index.</summary>
    public const string KvEvents = "mesh.kv.events";

    /// <summary><see cref="WorkerLoadReport"/>: every worker → scheduler; doubles as the heartbeat.</summary>
    public const string WorkerLoad = "mesh.workers.load";

    /// <summary><see cref="RoleAssignment"/>: scheduler → one worker (<see cref="ForWorker"/>), moving it between roles.</summary>
    public const string WorkerRoles = "mesh.workers.roles";

    /// <summary>
    /// Prefix of reply topics. A reply topic carries <see cref="ReplyMessage"/> (token chunks, then one
    /// completed or failed); each gateway instance or client owns one, named by <see cref="RepliesFor"/>.
    /// </summary>
    public const string RepliesPrefix = "mesh.replies.";

    /// <summary>Suffix of a topic's dead-letter topic; see <see cref="DeadLetterFor"/>.</summary>
    public const string DeadLetterSuffix = ".deadletter";

    /// <summary>
    /// The dead-letter topic of <paramref name="topic"/>: dropped messages and messages that ran out of
    /// deliveries land there with their original type, so a dead-letter subscriber is typed too.
    /// </summary>
    public static string DeadLetterFor(string topic) => topic + DeadLetterSuffix;

    /// <summary>The reply topic owned by <paramref name="consumer"/> (a gateway instance id or client id).</summary>
    public static string RepliesFor(string consumer) => RepliesPrefix + consumer;

    /// <summary>
    /// A stage topic addressed to one worker, for placements that must hit a particular worker
    /// (cache-aware placement, decode cancellation): <c>mesh.decode.worker-7</c>.
    /// </summary>
    public static string ForWorker(string stageTopic, WorkerId worker) => stageTopic + "." + worker.Value;
}
