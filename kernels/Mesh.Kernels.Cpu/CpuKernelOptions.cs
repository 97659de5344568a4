namespace Mesh.Kernels.Cpu;

/// <summary>How a <see cref="CpuKernels"/> computes: which SIMD path, and whether Q8_0 products
/// quantise the activations too.</summary>
public sealed record CpuKernelOptions
{
    /// <summary>Force a kernel path (tests, benchmarks); null picks the widest this CPU runs.</summary>
    public SimdPath? Path { get; init; }

    /// <summary>Q8_0 weights × activations quantised per token to Q8 blocks of 32 when true
    /// (llama.cpp's scheme: integer VNNI dot products, decode at memory bandwidth, prefill ~1.4× the
    /// F32 path); × the F32 activations when false (the default: no activation rounding, which the
    /// engine's parity tests against llama.cpp on F32-widened weights rely on; panels widened to F32
    /// per product).</summary>
    public bool QuantizeQ8Activations { get; init; }

    /// <summary>Use AVX-VNNI for the Q8 integer dots where the CPU has it (off: the AVX2 kernel).</summary>
    public bool UseVnni { get; init; } = true;
}
