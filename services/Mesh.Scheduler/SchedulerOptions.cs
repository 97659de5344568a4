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

    /// <summary>Requests waiting for a worker before new ones are refused as overloaded.</summary>
    public int MaxWaitingRequests { get; set; } = 4096;

    /// <summary>Deadline of a request that carries none.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often deadlines, worker leases and waiting requests are checked.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events queued for the scheduler loop before handlers wait.</summary>
    public int InboxCapacity { get; set; } = 4096;

    /// <summary>The kvcache service (e.g. <c>http://127.0.0.1:5106</c>) for prefix lookups, when the process has no in-process store.</summary>
    public Uri? KvCacheUrl { get; set; }
}
