using Mesh.Kernels;

namespace Mesh.Engine.Scheduling;

/// <summary>Sizes of everything the engine allocates at startup.</summary>
public sealed record EngineOptions
{
    /// <summary>Compute threads (the caller's thread included).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Token positions per KV block.</summary>
    public int BlockSize { get; init; } = 16;
    /// <summary>KV blocks in the pool; 0 = enough for <see cref="MaxSequences"/>·<see cref="MaxContext"/>
    /// tokens, capped by <see cref="KvCacheBytes"/>.</summary>
    public int KvBlocks { get; init; }
    /// <summary>Upper bound on the KV pool's memory when <see cref="KvBlocks"/> is 0.</summary>
    public long KvCacheBytes { get; init; } = 1L << 30;
    /// <summary>Element type of the KV pool: F16 (the default, as in llama.cpp: half the memory and the bytes
    /// attention reads per position, K/V rounded to the nearest half when stored; measured faster prefill and
    /// batched decode) or F32 (exact K/V, for parity against references that keep F32). Blocks are handed off
    /// in this type.</summary>
    public KvCacheType KvCacheType { get; init; } = KvCacheType.F16;
    /// <summary>Tokens in one forward pass (prefill chunks and decode tokens together).</summary>
    public int MaxBatchTokens { get; init; } = 256;
    /// <summary>Sequences running at once.</summary>
    public int MaxSequences { get; init; } = 16;
    /// <summary>Longest sequence (prompt + generated); 0 = the model's context length, capped at 8192.</summary>
    public int MaxContext { get; init; }
    public bool PrefixCaching { get; init; } = true;
    /// <summary>Use the scalar reference kernels instead of the CPU SIMD backend (tests, debugging).</summary>
    public bool ReferenceKernels { get; init; }
    /// <summary>Quantized weights (Q8_0, Q4_0, K-quants) multiply int8-quantized activations, as llama.cpp does
    /// (int8/VNNI dot products: about 1.3× faster prefill and up to 2× faster decode; logits match llama.cpp's on
    /// the same file to ~1e-6). On by default, on the SIMD and the reference kernels alike. Off: the exact mode,
    /// activations stay F32 and weights are widened to F32 per product (comparisons against F32-widened weights,
    /// measuring what the activation rounding costs). F32, F16 and BF16 weights are the same either way.</summary>
    public bool QuantizeQ8Activations { get; init; } = true;

    public void Validate()
    {
        if (Threads < 1) throw new ArgumentException($"threads must be ≥ 1, got {Threads}");
        if (BlockSize < 1) throw new ArgumentException($"block size must be ≥ 1, got {BlockSize}");
        if (MaxBatchTokens < 1) throw new ArgumentException($"max batch tokens must be ≥ 1, got {MaxBatchTokens}");
        if (MaxSequences < 1) throw new ArgumentException($"max sequences must be ≥ 1, got {MaxSequences}");
        if (KvBlocks < 0 || MaxContext < 0) throw new ArgumentException("KV blocks and max context must be ≥ 0");
    }
}
