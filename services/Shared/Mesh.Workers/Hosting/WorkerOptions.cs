using Mesh.Contracts;
using Mesh.Kernels;

namespace Mesh.Workers.Hosting;

/// <summary>
/// Settings of a model-running worker process, bound from <c>Mesh:Worker</c> (env <c>Mesh__Worker__Model=/models/x.gguf</c>)
/// and validated at startup. Engine sizes apply to each engine of the process.
/// </summary>
public sealed class WorkerOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Mesh:Worker";

    /// <summary>This worker's id (its own topics are <c>Topics.ForWorker(stage, id)</c>); default <c>{app id}-{machine}</c>.</summary>
    public string? Id { get; set; }

    /// <summary>Roles this process serves; prefill and decode together is colocated mode (no KV transfer).</summary>
    public WorkerRole[] Roles { get; set; } = [];

    /// <summary>Roles the scheduler may move this worker to (elastic roles), besides <see cref="Roles"/>; empty = none.</summary>
    public WorkerRole[] Capabilities { get; set; } = [];

    /// <summary>The model: a .gguf file or a Hugging Face folder.</summary>
    public string? Model { get; set; }

    /// <summary>Name requests use for the model; default the file or folder name.</summary>
    public string? ModelName { get; set; }

    /// <summary>Compute threads per engine; 0 = one per core.</summary>
    public int Threads { get; set; }

    /// <summary>Tokens per KV block; every worker and the scheduler must agree.</summary>
    public int BlockSize { get; set; } = 16;

    /// <summary>KV blocks per engine; 0 = sized by <see cref="KvCacheBytes"/>.</summary>
    public int KvBlocks { get; set; }

    /// <summary>Upper bound on one engine's KV pool when <see cref="KvBlocks"/> is 0.</summary>
    public long KvCacheBytes { get; set; } = 1L << 30;

    /// <summary>
    /// Element type of the KV cache: <c>F16</c> (default: half the memory per block, so twice the blocks in
    /// <see cref="KvCacheBytes"/>; K/V rounded to the nearest half) or <c>F32</c> (exact K/V). KV is handed off in this
    /// type, so prefill and decode workers that exchange KV must agree (a decode refuses KV of another type as a layout
    /// mismatch).
    /// </summary>
    public KvCacheType KvCacheType { get; set; } = KvCacheType.F16;

    /// <summary>Sequences an engine runs at once.</summary>
    public int MaxSequences { get; set; } = 16;

    /// <summary>Tokens in one forward pass.</summary>
    public int MaxBatchTokens { get; set; } = 256;

    /// <summary>Longest sequence; 0 = the model's context, capped at 8192. The scheduler must use the same value.</summary>
    public int MaxContext { get; set; }

    /// <summary>
    /// Quantized weights (Q8_0, Q4_0, K-quants) multiply int8-quantized activations, as llama.cpp does (faster; logits
    /// within ~1e-6 of llama.cpp's); false: the exact mode, F32 activations (<c>EngineOptions.QuantizeQ8Activations</c>).
    /// Workers that hand KV to each other should agree, or a decode continues from KV the other mode computed.
    /// </summary>
    public bool QuantizeActivations { get; set; } = true;

    /// <summary>Prefill tasks handled at once (they batch in the engine).</summary>
    public int PrefillConcurrency { get; set; } = 4;

    /// <summary>Decode tasks being admitted at once (KV fetch and resume; generation itself is not bounded by this).</summary>
    public int DecodeConcurrency { get; set; } = 4;

    /// <summary>How often the worker publishes its load report (its heartbeat).</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a colocated worker keeps a prefill's KV for its decode.</summary>
    public TimeSpan HeldKvTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Lease on KV written to the KV cache for a decode to read.</summary>
    public TimeSpan KvLeaseTtl { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A decode saves a checkpoint (its new KV blocks and generated tokens) to the KV cache every time this many more KV
    /// blocks fill, so a decode whose worker dies resumes elsewhere from there; 0 = no checkpoints (a lost decode then
    /// restarts from the prompt's KV). Only with a KV cache.
    /// </summary>
    public int CheckpointBlocks { get; set; } = 1;

    /// <summary>Lease on the KV of a preempted decode, kept for its resume.</summary>
    public TimeSpan SuspendedKvLeaseTtl { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The kvcache service (e.g. <c>http://127.0.0.1:5106</c>) when the process has no in-process store.</summary>
    public Uri? KvCacheUrl { get; set; }
}
