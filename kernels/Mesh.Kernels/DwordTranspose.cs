using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels;

/// <summary>An 8 × 8 transpose of 4-byte elements: 8 rows of 32 bytes in, 8 rows of 32 bytes out — how the panel
/// layouts turn 8 weight rows' 4-byte groups into vectors whose lanes are the rows, and back.</summary>
internal static unsafe class DwordTranspose
{
    /// <summary>Element (i, j) of the 8 rows at src (stride srcStride) to element (j, i) of the 8 rows at dst (stride
    /// dstStride), each XORed with <paramref name="xor"/>. Needs AVX2 (callers fall back to plain copies).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(byte* src, nint srcStride, byte* dst, nint dstStride, uint xor)
    {
        Vector256<int> L(int r) => Vector256.Load((int*)(src + r * srcStride));
        var v0 = L(0); var v1 = L(1); var v2 = L(2); var v3 = L(3); var v4 = L(4); var v5 = L(5); var v6 = L(6); var v7 = L(7);
        // rows in pairs: [a0 b0 a1 b1 | a4 b4 a5 b5] and [a2 b2 a3 b3 | a6 b6 a7 b7]
        var t0 = Avx2.UnpackLow(v0, v1).AsInt64(); var t1 = Avx2.UnpackHigh(v0, v1).AsInt64();
        var t2 = Avx2.UnpackLow(v2, v3).AsInt64(); var t3 = Avx2.UnpackHigh(v2, v3).AsInt64();
        var t4 = Avx2.UnpackLow(v4, v5).AsInt64(); var t5 = Avx2.UnpackHigh(v4, v5).AsInt64();
        var t6 = Avx2.UnpackLow(v6, v7).AsInt64(); var t7 = Avx2.UnpackHigh(v6, v7).AsInt64();
        // rows 0–3 (u0–u3) and 4–7 (u4–u7) of columns j | j + 4
        var u0 = Avx2.UnpackLow(t0, t2); var u1 = Avx2.UnpackHigh(t0, t2); var u2 = Avx2.UnpackLow(t1, t3); var u3 = Avx2.UnpackHigh(t1, t3);
        var u4 = Avx2.UnpackLow(t4, t6); var u5 = Avx2.UnpackHigh(t4, t6); var u6 = Avx2.UnpackLow(t5, t7); var u7 = Avx2.UnpackHigh(t5, t7);
        var x = Vector256.Create(xor).AsInt64();
        (Avx2.Permute2x128(u0, u4, 0x20) ^ x).Store((long*)dst);
        (Avx2.Permute2x128(u1, u5, 0x20) ^ x).Store((long*)(dst + dstStride));
        (Avx2.Permute2x128(u2, u6, 0x20) ^ x).Store((long*)(dst + 2 * dstStride));
        (Avx2.Permute2x128(u3, u7, 0x20) ^ x).Store((long*)(dst + 3 * dstStride));
        (Avx2.Permute2x128(u0, u4, 0x31) ^ x).Store((long*)(dst + 4 * dstStride));
        (Avx2.Permute2x128(u1, u5, 0x31) ^ x).Store((long*)(dst + 5 * dstStride));
        (Avx2.Permute2x128(u2, u6, 0x31) ^ x).Store((long*)(dst + 6 * dstStride));
        (Avx2.Permute2x128(u3, u7, 0x31) ^ x).Store((long*)(dst + 7 * dstStride));
    }
}
