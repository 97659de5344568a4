using Mesh.Kernels;

namespace Mesh.Bench;

/// <summary>What one <c>mesh bench</c> run measures: the model, the shape of each timed run and how
/// many times the pair (Mesh, llama.cpp) is repeated, alternating.</summary>
public sealed record BenchOptions
{
    public required string ModelPath { get; init; }
    /// <summary>Prompt tokens prefilled per timed run.</summary>
    public int PromptTokens { get; init; } = 128;
    /// <summary>Tokens generated per timed run (the first comes from the prefill).</summary>
    public int GenTokens { get; init; } = 64;
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Timed (Mesh, llama.cpp) pairs; the medians are reported.</summary>
    public int Repeats { get; init; } = 5;
    /// <summary>Sequences decoded together in the concurrency run (Mesh only); 0 or 1 skips it.</summary>
    public int Concurrent { get; init; } = 8;
    /// <summary>Quantized weights multiply int8-quantized activations, as llama.cpp does (EngineOptions.QuantizeQ8Activations,
    /// the engine's default); false runs Mesh's exact mode (F32 activations).</summary>
    public bool QuantizeActivations { get; init; } = true;
    /// <summary>KV cache element type of both peers (EngineOptions.KvCacheType; llama.cpp's K and V cache types); null
    /// runs each at its own default (F16 for both).</summary>
    public KvCacheType? KvType { get; init; }

    /// <summary>Mesh's KV cache type in this run.</summary>
    public KvCacheType MeshKvType => KvType ?? KvCacheType.F16;
    /// <summary>llama.cpp's KV cache type in this run.</summary>
    public KvCacheType LlamaCppKvType => KvType ?? KvCacheType.F16;
    /// <summary>Skip llama.cpp (Mesh alone, e.g. where its native library cannot load).</summary>
    public bool MeshOnly { get; init; }
    /// <summary>Size of the buffer the bandwidth probe reads.</summary>
    public long ProbeBytes { get; init; } = 1L << 30;

    public void Validate()
    {
        if (PromptTokens < 1) throw new ArgumentException($"--prompt must be ≥ 1, got {PromptTokens}");
        if (GenTokens < 2) throw new ArgumentException($"--gen must be ≥ 2 (decode speed needs tokens after the first), got {GenTokens}");
        if (Threads < 1) throw new ArgumentException($"--threads must be ≥ 1, got {Threads}");
        if (Repeats < 1) throw new ArgumentException($"--repeats must be ≥ 1, got {Repeats}");
        if (Concurrent < 0) throw new ArgumentException($"--concurrent must be ≥ 0, got {Concurrent}");
        if (ProbeBytes < 1L << 26) throw new ArgumentException("the bandwidth probe needs at least 64 MiB to get past the caches");
    }
}
