using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>Exact F16 → F32 widening of rows and of many scales at once (this .NET exposes no F16C
/// intrinsics). The exponent and mantissa bits moved into an F32 and multiplied by 2¹¹² re-bias normals and
/// subnormals alike (a power-of-two product is exact); Inf/NaN keep an all-ones exponent.</summary>
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

    /// <summary>16 halves at <paramref name="src"/>, widened exactly: each half zero-extended into the top 16
    /// bits of a lane (its sign lands on the F32 sign), then <see cref="FromTop(Vector512{int})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen16(ushort* src) => FromTop(Avx512F.ConvertToVector512Int32(Vector256.Load(src)) << 16);

    /// <summary><see cref="Widen16"/> for 8 halves in 256-bit registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widen8(ushort* src) => FromTop(Avx2.ConvertToVector256Int32(src) << 16);

    /// <summary>Widens the halves held in the low 16 bits of each lane (the high bits are ignored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widen8(Vector256<int> bits) => FromTop(bits << 16);

    /// <summary>Halves held in the top 16 bits of each lane, widened in four steps: an arithmetic shift by 3
    /// and a mask put exponent and mantissa 13 bits up (sign kept), and the product with 2¹¹² re-biases the
    /// exponent (exact for normals and subnormals; the sign rides along). An all-ones exponent (Inf/NaN)
    /// becomes the F32 all-ones exponent with the same mantissa bits, as <see cref="ToSingle(ushort)"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> FromTop(Vector512<int> top)
    {
        var bits = Positioned(top);
        return PatchSpecials(bits, bits.AsSingle() * Vector512.Create(Rebias));
    }

    /// <summary><see cref="FromTop(Vector512{int})"/> with the re-bias as vscalefps by 112 instead of a product with
    /// 2¹¹²: the same bits, and a subnormal half (a denormal F32 operand) costs no microcode assist, which a
    /// multiply pays for with tens of cycles. Slower than the multiply when no lane is subnormal: for weights,
    /// where about one vector in 25 holds one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FromTopScaled(Vector512<int> top)
    {
        var bits = Positioned(top);
        return PatchSpecials(bits, Avx512F.Scale(bits.AsSingle(), Vector512.Create(112f)));
    }

    /// <summary>Sign, exponent and mantissa of the halves in the top of each lane, moved to their F32 places.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Positioned(Vector512<int> top) =>
        Vector512.ShiftRightArithmetic(top, 3) & Vector512.Create(unchecked((int)0x8FFFE000));

    /// <summary><paramref name="value"/> (the re-biased <paramref name="bits"/>) with Inf/NaN lanes given the F32
    /// all-ones exponent and their mantissa bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PatchSpecials(Vector512<int> bits, Vector512<float> value)
    {
        var special = Vector512.Equals(bits & Vector512.Create(0x0F800000), Vector512.Create(0x0F800000));
        return Vector512.ConditionalSelect(special.AsSingle(), (bits | Vector512.Create(0x7F800000)).AsSingle(), value);
    }

    /// <summary><see cref="FromTop(Vector512{int})"/> in 256-bit registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> FromTop(Vector256<int> top)
    {
        var bits = Vector256.ShiftRightArithmetic(top, 3) & Vector256.Create(unchecked((int)0x8FFFE000));
        var value = bits.AsSingle() * Vector256.Create(Rebias);
        var special = Vector256.Equals(bits & Vector256.Create(0x0F800000), Vector256.Create(0x0F800000));
        return Vector256.ConditionalSelect(special.AsSingle(), (bits | Vector256.Create(0x7F800000)).AsSingle(), value);
    }

    /// <summary>2¹¹², the F16 → F32 exponent re-bias: a half's bits moved to their F32 places read as its value times 2⁻¹¹².</summary>
    public const float Rebias = 5.192296858534828e33f;

    /// <summary>16 halves moved to their F32 bit places without the re-bias: each lane holds the half's value · 2⁻¹¹²
    /// exactly (normals, subnormals and zeros alike), so a product with something scaled by <see cref="Rebias"/> is
    /// the exact product with the half's value. Inf and NaN are not patched (they read as finite values): callers
    /// check <see cref="Doubled8"/>/<see cref="Doubled16"/> maxima with <see cref="AnySpecial"/>. Sign-extending puts
    /// the half's sign in bits 31…28 after the shift; the mask keeps bit 31.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Placed16(ushort* src) =>
        ((Avx512F.ConvertToVector512Int32(Vector256.Load((short*)src)) << 13) & Vector512.Create(unchecked((int)0x8FFFE000))).AsSingle();

    /// <summary><see cref="Placed16"/> for 8 halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Placed8(ushort* src) =>
        ((Avx2.ConvertToVector256Int32((short*)src) << 13) & Vector256.Create(unchecked((int)0x8FFFE000))).AsSingle();

    /// <summary>16 halves' bits shifted left by one (the sign dropped): a running unsigned maximum of these is at least
    /// 0xF800 exactly when one of the halves was Inf or NaN (<see cref="AnySpecial"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> Doubled16(ushort* src) => Vector256.Load(src) << 1;

    /// <summary><see cref="Doubled16"/> for 8 halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ushort> Doubled8(ushort* src) => Vector128.Load(src) << 1;

    /// <summary>Whether a maximum of <see cref="Doubled16"/> values saw an Inf or NaN half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnySpecial(Vector256<ushort> top) => Vector256.GreaterThanOrEqualAny(top, Vector256.Create((ushort)0xF800));

    /// <summary>Whether a maximum of <see cref="Doubled8"/> values saw an Inf or NaN half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnySpecial(Vector128<ushort> top) => Vector128.GreaterThanOrEqualAny(top, Vector128.Create((ushort)0xF800));

    /// <summary><paramref name="count"/> rows of headDim halves (stride kvDim) into [count, headDim] floats moved to their
    /// bit places (<see cref="Placed16"/>); headDim a multiple of 16. False when one of the halves is Inf or NaN (the
    /// floats are then not meaningful).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool PlaceRows(ushort* src, int kvDim, float* dst, int headDim, int count)
    {
        if (!Avx512F.IsSupported)
        {
            Vector128<ushort> top8 = default;
            for (int r = 0; r < count; r++)
                for (int c = 0; c < headDim; c += 8)
                {
                    Placed8(src + (long)r * kvDim + c).Store(dst + (long)r * headDim + c);
                    top8 = Vector128.Max(top8, Doubled8(src + (long)r * kvDim + c));
                }
            return !AnySpecial(top8);
        }
        Vector256<ushort> top = default;
        for (int r = 0; r < count; r++)
        {
            ushort* row = src + (long)r * kvDim;
            float* to = dst + (long)r * headDim;
            for (int c = 0; c < headDim; c += 16)
            {
                Placed16(row + c).Store(to + c);
                top = Vector256.Max(top, Doubled16(row + c));
            }
        }
        return !AnySpecial(top);
    }

    /// <summary>One half widened exactly, as the vector paths do: cheaper than the framework's general
    /// conversion in a per-block loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits)
    {
        uint magnitude = (uint)(bits & 0x7fff) << 13;
        uint value = (bits & 0x7c00) == 0x7c00
            ? magnitude | 0x7f800000
            : BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(magnitude) * Rebias);
        return BitConverter.UInt32BitsToSingle(value | ((uint)(bits & 0x8000) << 16));
    }
}
