using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>Which instruction set the CPU backend's hand-written kernels use. Chosen once when a
/// <see cref="CpuKernels"/> is built; every path is deterministic on its own, and a (row, token) dot
/// product is reduced in the same order whatever the batch, tiling or thread split.</summary>
public enum SimdPath
{
    /// <summary>Plain C#: one scalar accumulator per dot product.</summary>
    Scalar,
    /// <summary>256-bit FMA (AVX2 + FMA): 8 lanes per accumulator.</summary>
    Avx2,
    /// <summary>512-bit FMA (AVX-512F): 16 lanes per accumulator.</summary>
    Avx512,
}

public static class SimdPaths
{
    /// <summary>The widest path this CPU runs.</summary>
    public static SimdPath Best =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512BW.IsSupported ? SimdPath.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? SimdPath.Avx2
        : SimdPath.Scalar;

    /// <summary>Whether this CPU can run <paramref name="path"/>.</summary>
    public static bool IsSupported(SimdPath path) => path switch
    {
        SimdPath.Scalar => true,
        SimdPath.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        SimdPath.Avx512 => Best == SimdPath.Avx512,
        _ => false,
    };
}
