namespace Mesh.Bench.Trace;

/// <summary>How the mesh is laid out for a replay.</summary>
public enum TraceMode
{
    /// <summary>Prefill-only and decode-only workers; every hand-off goes through the KV store.</summary>
    Disaggregated,

    /// <summary>Workers that prefill and decode in one engine; the KV never leaves it.</summary>
    Colocated,
}

/// <summary>What one <c>mesh bench trace</c> run replays, against what, and what counts as good.</summary>
public sealed record TraceBenchOptions
{
    /// <summary>The trace: an Azure LLM inference trace <c>.csv</c> or a Mooncake <c>.jsonl</c>.</summary>
    public required string TracePath { get; init; }

    /// <summary>Slice, time and token scaling.</summary>
    public TraceShape Shape { get; init; } = new();

    /// <summary>Modes run, one fresh mesh each, in this order.</summary>
    public IReadOnlyList<TraceMode> Modes { get; init; } = [TraceMode.Disaggregated, TraceMode.Colocated];

    /// <summary>What a request must meet to count toward goodput.</summary>
    public SloTargets Targets { get; init; } = SloTargets.Default;

    /// <summary>The served model (.gguf or Hugging Face folder); null = Mesh.Host's generated random model.</summary>
    public string? ModelPath { get; init; }

    /// <summary>Prefill-only workers in disaggregated mode.</summary>
    public int PrefillWorkers { get; init; } = 1;

    /// <summary>Decode-only workers in disaggregated mode.</summary>
    public int DecodeWorkers { get; init; } = 1;

    /// <summary>Prefill+decode workers in colocated mode; by default as many engines as disaggregated mode has.</summary>
    public int ColocatedWorkers { get; init; } = 2;

    /// <summary>Compute threads per engine; 0 = the cores shared out among the engines.</summary>
    public int Threads { get; init; }

    /// <summary>How long streams may run after the last request is sent before they are cancelled as failed.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Seeds the prompts' token ids (the same seed sends the same prompts in every mode).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Offline requests (Mesh's <c>priority: offline</c>) sent at the start of each replay, as batch work beside the online trace; 0 = none.</summary>
    public int OfflineRequests { get; init; }

    /// <summary>Tokens each offline request generates.</summary>
    public int OfflineTokens { get; init; } = 512;

    /// <exception cref="ArgumentException">A value out of range (the shape is checked against the served model later).</exception>
    public void Validate()
    {
        if (Modes.Count == 0) throw new ArgumentException("--mode names no mode");
        if (!(Targets.TtftMs > 0)) throw new ArgumentException($"--ttft-ms must be > 0, got {Targets.TtftMs}");
        if (!(Targets.TpotMs > 0)) throw new ArgumentException($"--tpot-ms must be > 0, got {Targets.TpotMs}");
        if (PrefillWorkers is < 1 or > 64) throw new ArgumentException($"--prefill-workers must be 1 to 64, got {PrefillWorkers}");
        if (DecodeWorkers is < 1 or > 64) throw new ArgumentException($"--decode-workers must be 1 to 64, got {DecodeWorkers}");
        if (ColocatedWorkers is < 1 or > 64) throw new ArgumentException($"--colocated-workers must be 1 to 64, got {ColocatedWorkers}");
        if (Threads < 0) throw new ArgumentException($"--threads must be ≥ 0, got {Threads}");
        if (OfflineRequests < 0 || OfflineTokens < 1) throw new ArgumentException($"--offline must be ≥ 0 and --offline-tokens ≥ 1, got {OfflineRequests} and {OfflineTokens}");
        if (Drain <= TimeSpan.Zero) throw new ArgumentException($"--drain must be > 0 s, got {Drain.TotalSeconds} s");
    }

    /// <summary>The mode named on the command line (<c>disaggregated</c>, <c>colocated</c> or <c>both</c>).</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static IReadOnlyList<TraceMode> ParseModes(string name) => name switch
    {
        "disaggregated" => [TraceMode.Disaggregated],
        "colocated" => [TraceMode.Colocated],
        "both" => [TraceMode.Disaggregated, TraceMode.Colocated],
        _ => throw new ArgumentException($"--mode is disaggregated, colocated or both, got '{name}'"),
    };

    /// <summary>The mode's name as printed and in JSON.</summary>
    public static string Name(TraceMode mode) => mode == TraceMode.Disaggregated ? "disaggregated" : "colocated";
}
