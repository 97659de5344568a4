using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mesh.Kernels.Cpu;

/// <summary>Where an 8-row Q8_0 panel keeps its scales and quants: plain Q8_0 rows (<see cref="Q8RowLayout"/>) or
/// the <see cref="TensorType.Q8_0x8"/> panel layout (<see cref="Q8PanelLayout"/>). The batch tiles and
/// <see cref="Q8MatMulWork"/> are generic over it, so each layout's addressing folds into constants.</summary>
internal unsafe interface IQ8Layout
{
    /// <summary>Offset from the panel of row r's quants 0…3 of block 0.</summary>
    static abstract nint RowStart(int rowBytes, int r);

    /// <summary>Offset from a row's start of its quants k4…k4+3 of block b.</summary>
    static abstract int Quad(int b, int k4);

    /// <summary>Whether quants are stored as q + 128 (unsigned) rather than q.</summary>
    static abstract bool StoresUnsigned { get; }

    /// <summary>Block b's scales of the panel's 8 rows as F32, lane = row.</summary>
    static abstract Vector256<float> Scales8(byte* w, int rowBytes, int b);

    /// <summary>Whether whole panels have the four- and two-token kernels (<see cref="Q8PanelDot.Vnni8x4"/>).</summary>
    static abstract bool FourTokens { get; }

    /// <summary>One token against the panel's first <paramref name="count"/> rows: y[r].</summary>
    static abstract void Decode(Q8Kernel kernel, byte* w, int rowBytes, int count, int nb, sbyte* q, float* d, int* sum, float* y);
}

/// <summary>Plain Q8_0 rows, stride rowBytes (a Q8_0 file's matrices; Q4_0 panels rewritten for the batch tile).</summary>
internal readonly unsafe struct Q8RowLayout : IQ8Layout
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint RowStart(int rowBytes, int r) => 2 + (nint)r * rowBytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Quad(int b, int k4) => b * Q8Dot.BlockBytes + k4;

    public static bool StoresUnsigned => false;

    public static bool FourTokens => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Scales8(byte* w, int rowBytes, int b) => Q8Dot.Scales8(w, rowBytes, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(Q8Kernel kernel, byte* w, int rowBytes, int count, int nb, sbyte* q, float* d, int* sum, float* y)
    {
        if (count == Q8Dot.PanelRows && kernel == Q8Kernel.Vnni) Q8Dot.Vnni8(w, rowBytes, nb, q, d, sum, y);
        else if (count == Q8Dot.PanelRows && kernel == Q8Kernel.Avx2) Q8Dot.Avx2x8(w, rowBytes, nb, q, d, y);
        else Q8Dot.Scalar(w, rowBytes, count, nb, q, d, y);
    }
}

/// <summary>The <see cref="Q8Panels"/> layout: always whole panels of 8 rows.</summary>
internal readonly unsafe struct Q8PanelLayout : IQ8Layout
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint RowStart(int rowBytes, int r) => Q8Panels.QuantOffset + r * 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Quad(int b, int k4) => b * Q8Panels.BlockBytes + k4 * 8;

    public static bool StoresUnsigned => true;

    public static bool FourTokens => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Scales8(byte* w, int rowBytes, int b) => Q8PanelDot.Scales8(w, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(Q8Kernel kernel, byte* w, int rowBytes, int count, int nb, sbyte* q, float* d, int* sum, float* y)
    {
        if (kernel == Q8Kernel.Vnni) Q8PanelDot.Vnni8(w, nb, q, d, sum, y);
        else if (kernel == Q8Kernel.Avx2) Q8PanelDot.Avx2x8(w, nb, q, d, y);
        else Q8PanelDot.Scalar(w, nb, q, d, y);
    }
}
