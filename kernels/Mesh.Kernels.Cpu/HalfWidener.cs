using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>Exact F16 → F32 widening of many scales at once (this .NET exposes no F16C intrinsics).
/// The magnitude bits moved into an F32 and multiplied by 2¹¹² re-bias normals and subnormals alike
/// (a power-of-two product is exact); Inf/NaN keep an all-ones exponent; the sign is put back.</summary>
internal static unsafe class HalfWidener
{
    /// <summary>Rows of weights and F16 KV: 16 (or 8) halves at a time by <see cref="Widen16"/>, then one by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToSingle(ushort* src, float* dst, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
            for (; i + 16 <= n; i += 16) Widen16(src + i).Store(dst + i);
        if (Avx2.IsSupported)
            for (; i + 8 <= n; i += 8) Widen8(src + i).Store(dst + i);
        for (; i < n; i++) dst[i] = ToSingle(src[i]);
    }

    /// <summary>16 halves at <paramref name="src"/>, widened exactly in five integer/float steps: each half
    /// zero-extended into the top 16 bits of a lane (its sign lands on the F32 sign), an arithmetic shift by 3
    /// and a mask put exponent and mantissa 13 bits up (sign kept), and the product with 2¹¹² re-biases the
    /// exponent (exact for normals and subnormals; the sign rides along). An all-ones exponent (Inf/NaN)
    /// becomes the F32 all-ones exponent with the same mantissa bits, as <see cref="ToSingle(ushort)"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen16(ushort* src)
    {
        var top = Avx512F.ConvertToVector512Int32(Vector256.Load(src)) << 16;
        var bits = Vector512.ShiftRightArithmetic(top, 3) & Vector512.Create(unchecked((int)0x8FFFE000));
        var value = bits.AsSingle() * Vector512.Create(BitConverter.Int32BitsToSingle(0x77800000));   // 2^112
        var exponent = bits & Vector512.Create(0x0F800000);
        var special = Vector512.Equals(exponent, Vector512.Create(0x0F800000));
        return Vector512.ConditionalSelect(special.AsSingle(), (bits | Vector512.Create(0x7F800000)).AsSingle(), value);
    }

    /// <summary><see cref="Widen16"/> for 8 halves in 256-bit registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widen8(ushort* src)
    {
        var top = Avx2.ConvertToVector256Int32(src) << 16;
        var bits = Vector256.ShiftRightArithmetic(top, 3) & Vector256.Create(unchecked((int)0x8FFFE000));
        var value = bits.AsSingle() * Vector256.Create(BitConverter.Int32BitsToSingle(0x77800000));
        var exponent = bits & Vector256.Create(0x0F800000);
        var special = Vector256.Equals(exponent, Vector256.Create(0x0F800000));
        return Vector256.ConditionalSelect(special.AsSingle(), (bits | Vector256.Create(0x7F800000)).AsSingle(), value);
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
