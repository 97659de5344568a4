namespace Mesh.Scheduler;

/// <summary>Settings of the scheduler, bound from <c>Mesh:Scheduler</c> and validated at startup.</summary>
public sealed class SchedulerOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Mesh:Scheduler";

    /// <summary>The served model's .gguf file or Hugging Face folder; only its tokenizer is read.</summary>
    public string? Model { get; set; }

    /// <summary>Name requests use for the model; default the file or folder name (workers must agree).</summary>
    public string? ModelName { get; set; }

    /// <summary>Tokens per KV block; must equal the workers' <c>Mesh:Worker:BlockSize</c>.</summary>
    public int BlockSize { get; set; } = 16;

    /// <summary>Longest sequence; 0 = the model's context, capped at 8192 (the workers' default).</summary>
    public int MaxContext { get; set; }

    /// <summary>Attempts per request, the first included, before a retryable failure reaches the client.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Placement: prompt tokens one queued or running prefill on a worker is worth (load against cache overlap).</summary>
    public int QueuePenaltyTokens { get; set; } = 512;

    /// <summary>Placement: prompt tokens one running decode on a colocated worker is worth.</summary>
    public int DecodePenaltyTokens { get; set; } = 32;

    /// <summary>A prefill not answered within this long is presumed stuck: its worker is told to stop it and it is retried elsewhere.</summary>
    public TimeSpan PrefillTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Wait before a retried request is placed again; doubles with each retry (capped at 30 s).</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Requests waiting for a worker before new ones are refused as overloaded.</summary>
    public int MaxWaitingRequests { get; set; } = 4096;

    /// <summary>Deadline of a request that carries none.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often deadlines, worker leases and waiting requests are checked.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events queued for the scheduler loop before handlers wait.</summary>
    public int InboxCapacity { get; set; } = 4096;

    /// <summary>Time-to-first-token target of online requests that name none; also what admission protects.</summary>
    public TimeSpan TtftTarget { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time-per-output-token target of online requests that name none (goodput counts requests meeting both).</summary>
    public TimeSpan TpotTarget { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Refuse an online request (HTTP 429 with Retry-After) when the prompt tokens queued ahead of it, at the prefill
    /// rate measured so far, put its first token past its TTFT target. Off: every request queues.
    /// </summary>
    public bool AdmissionControl { get; set; } = true;

    /// <summary>Preempt offline decodes (their KV saved to the KV cache, resumed later) when an online choice finds no decode worker with room.</summary>
    public bool Preemption { get; set; } = true;

    /// <summary>
    /// Elastic roles: move a worker that reports it can serve both between prefill and decode as the queues change
    /// (prompts piling up on the prefill workers while decode has slack, or choices waiting for a decode slot while
    /// prefill is idle). Workers that report no capabilities beyond their roles are never moved.
    /// </summary>
    public bool ElasticRoles { get; set; } = true;

    /// <summary>Elastic roles: prompts queued or running per prefill worker at which a decode worker is moved to prefill.</summary>
    public int ElasticPrefillQueue { get; set; } = 8;

    /// <summary>Elastic roles: at most one move per this long (a moved worker's report must show its effect first).</summary>
    public TimeSpan RoleMoveCooldown { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Offline prefills one worker runs at once (only while no online prompt waits).</summary>
    public int OfflinePrefillsPerWorker { get; set; } = 1;

    /// <summary>
    /// Where the scheduler keeps accepted requests so they survive its restart: a folder (one file per request in
    /// flight). Null = nowhere (a restart forgets them). Under Dapr, <see cref="StateStore"/> is used instead.
    /// </summary>
    public string? JournalDirectory { get; set; }

    /// <summary>Dapr state store component the journal uses in Dapr mode (e.g. <c>statestore</c>); null = <see cref="JournalDirectory"/>.</summary>
    public string? StateStore { get; set; }

    /// <summary>The kvcache service (e.g. <c>http://127.0.0.1:5106</c>) for prefix lookups, when the process has no in-process store.</summary>
    public Uri? KvCacheUrl { get; set; }
}
