namespace Mesh.Kernels.Cpu;

/// <summary>How a <see cref="CpuKernels"/> computes: which SIMD path, and whether Q8_0 products
/// quantise the activations too.</summary>
public sealed record CpuKernelOptions
{
    /// <summary>Force a kernel path (tests, benchmarks); null picks the widest this CPU runs.</summary>
    public SimdPath? Path { get; init; }

    /// <summary>When true (the default), quantised weights multiply activations quantised per token the way
    /// llama.cpp does: to Q8 blocks of 32 for Q8_0 and Q4_0 weights, to Q8_K super-blocks of 256 for Q4_K,
    /// Q5_K and Q6_K; integer dot products (VNNI where it pays): about 1.3× faster prefill and up to 2×
    /// faster decode than the exact mode, and logits within ~1e-6 of llama.cpp's on the same file
    /// (<c>new ReferenceKernels(quantizeActivations: true)</c> is its scalar reference). False is the exact
    /// mode: activations stay F32 and weight panels are widened to F32 per product, no activation rounding
    /// (for comparisons against F32-widened weights, and to measure what the rounding costs).</summary>
    public bool QuantizeQ8Activations { get; init; } = true;

    /// <summary>Use AVX-VNNI for the Q8 integer dots where the CPU has it (off: the AVX2 kernel).</summary>
    public bool UseVnni { get; init; } = true;
}
