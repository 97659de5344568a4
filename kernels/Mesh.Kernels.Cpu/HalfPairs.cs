using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>Pair order: the order the AVX-512 path reads F16 weight rows in. Each whole chunk of 32 columns is
/// one 64-byte load widened by two in-lane unpacks with zero (no cross-lane shuffle per vector), which yields
/// columns 0–3, 8–11, 16–19, 24–27 (lo) and 4–7, 12–15, 20–23, 28–31 (hi); a product over such rows takes x
/// reordered the same way, once per product. Columns past the last whole chunk keep their natural order.
/// The widening is exact (<see cref="HalfWidener"/>'s values), re-biased by a scale instead of a multiply, so a
/// subnormal weight (about 1 in 400 of a trained F16 matrix) costs no microcode assist.</summary>
internal static unsafe class HalfPairs
{
    public const int Chunk = 32;

    /// <summary>x[k] into dst[k] in pair order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Order(float* x, float* dst, int k)
    {
        int c = 0;
        if (Avx512F.IsSupported)
        {
            var lo = Vector512.Create(0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
            var hi = lo + Vector512.Create(4);
            for (; c + Chunk <= k; c += Chunk)
            {
                var a = Vector512.Load(x + c);
                var b = Vector512.Load(x + c + 16);
                Avx512F.PermuteVar16x32x2(a, lo, b).Store(dst + c);
                Avx512F.PermuteVar16x32x2(a, hi, b).Store(dst + c + 16);
            }
        }
        for (; c < k; c++) dst[c] = x[c];
    }

    /// <summary>The 32 halves at <paramref name="src"/> widened: <paramref name="lo"/> and <paramref name="hi"/> in pair order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen(ushort* src, out Vector512<float> lo, out Vector512<float> hi)
    {
        var v = Vector512.Load(src).AsInt16();
        lo = HalfWidener.FromTopScaled(Avx512BW.UnpackLow(Vector512<short>.Zero, v).AsInt32());
        hi = HalfWidener.FromTopScaled(Avx512BW.UnpackHigh(Vector512<short>.Zero, v).AsInt32());
    }

    /// <summary>A row of k halves widened into dst[k] in pair order (a weight panel for the F32 tiles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToSingle(ushort* src, float* dst, int k)
    {
        int c = 0;
        if (Avx512BW.IsSupported)
            for (; c + Chunk <= k; c += Chunk)
            {
                Widen(src + c, out var lo, out var hi);
                lo.Store(dst + c);
                hi.Store(dst + c + 16);
            }
        HalfWidener.ToSingle(src + c, dst + c, k - c);
    }
}
