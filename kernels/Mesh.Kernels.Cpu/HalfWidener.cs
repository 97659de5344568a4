using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mesh.Kernels.Cpu;

/// <summary>Exact F16 → F32 widening of many scales at once (this .NET exposes no F16C intrinsics).
/// The magnitude bits moved into an F32 and multiplied by 2¹¹² re-bias normals and subnormals alike
/// (a power-of-two product is exact); Inf/NaN keep an all-ones exponent; the sign is put back.</summary>
internal static unsafe class HalfWidener
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToSingle(ushort* src, float* dst, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) Widen8(Vector128.Load(src + i)).Store(dst + i);
        for (; i < n; i++) dst[i] = (float)BitConverter.UInt16BitsToHalf(src[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen8(Vector128<ushort> h)
    {
        var (lo, hi) = Vector128.Widen(h);
        return Widen8(Vector256.Create(lo, hi).AsInt32());
    }

    /// <summary>One half widened by the same steps as <see cref="Widen8(Vector256{int})"/>: exact, and
    /// cheaper than the framework's general conversion in a per-block loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits)
    {
        uint magnitude = (uint)(bits & 0x7fff) << 13;
        uint value = (bits & 0x7c00) == 0x7c00
            ? magnitude | 0x7f800000
            : BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(magnitude) * BitConverter.Int32BitsToSingle(0x77800000));
        return BitConverter.UInt32BitsToSingle(value | ((uint)(bits & 0x8000) << 16));
    }

    /// <summary>Widens the halves held in the low 16 bits of each lane (the high bits are ignored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widen8(Vector256<int> bits)
    {
        var magnitude = (bits & Vector256.Create(0x7fff)) << 13;
        var value = magnitude.AsSingle() * Vector256.Create(BitConverter.Int32BitsToSingle(0x77800000));   // 2^112
        var special = Vector256.GreaterThanOrEqual(bits & Vector256.Create(0x7c00), Vector256.Create(0x7c00));
        var result = Vector256.ConditionalSelect(special.AsSingle(), (magnitude | Vector256.Create(0x7f800000)).AsSingle(), value);
        return (result.AsInt32() | ((bits & Vector256.Create(0x8000)) << 16)).AsSingle();
    }
}
