namespace Mesh.Kernels.Cpu;

/// <summary>How a <see cref="CpuKernels"/> computes: which SIMD path, and whether Q8_0 products
/// quantise the activations too.</summary>
public sealed record CpuKernelOptions
{
    /// <summary>Force a kernel path (tests, benchmarks); null picks the widest this CPU runs.</summary>
    public SimdPath? Path { get; init; }

    /// <summary>When true, quantised weights multiply activations quantised per token the way llama.cpp
    /// does: to Q8 blocks of 32 for Q8_0 and Q4_0 weights, to Q8_K super-blocks of 256 for Q4_K, Q5_K
    /// and Q6_K; integer dot products (VNNI where it pays), decode at memory bandwidth. When false (the
    /// default here), they multiply the F32 activations: no activation rounding, weight panels widened
    /// to F32 per product (what the engine's parity tests on F32-widened weights rely on).</summary>
    public bool QuantizeQ8Activations { get; init; }

    /// <summary>Use AVX-VNNI for the Q8 integer dots where the CPU has it (off: the AVX2 kernel).</summary>
    public bool UseVnni { get; init; } = true;
}
