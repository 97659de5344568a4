using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>Q4_0 and K-quant rows widened to F32 with AVX2, 8 values at a time, each value the same
/// float operations as the scalar definition in <see cref="QuantizedBlocks"/> (so exact mode gives the
/// same bits whichever decoded a panel).</summary>
internal static unsafe class QuantizedWidener
{
    /// <summary>dst[cols] from a row of <typeparamref name="T"/> super-blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void KQuant<T>(byte* row, float* dst, int cols) where T : struct, IKQuantFormat
    {
        short* s = stackalloc short[16];
        short* o = stackalloc short[16];
        for (int b = 0; b < cols / 256; b++)
        {
            byte* block = row + (long)b * T.BlockBytes;
            T.Header(block, s, o, out float d, out float dm);
            float* y = dst + b * 256;
            for (int c = 0; c < 4; c++)
            {
                T.Quants(block, c, out var first, out var second);
                Store<T>(first, y + 64 * c, 4 * c, s, o, d, dm);
                Store<T>(second, y + 64 * c + 32, 4 * c + 2, s, o, d, dm);
            }
        }
    }

    /// <summary>32 values (groups g, g+1) from their quants.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(Vector256<byte> q, float* y, int g, short* s, short* o, float d, float dm) where T : struct, IKQuantFormat
    {
        var (lo, hi) = Vector256.Widen(q);
        var (a, b) = Vector256.Widen(lo);
        var (c, e) = Vector256.Widen(hi);
        T.Values(a.AsInt32(), d, dm, s[g], o[g]).Store(y);
        T.Values(b.AsInt32(), d, dm, s[g], o[g]).Store(y + 8);
        T.Values(c.AsInt32(), d, dm, s[g + 1], o[g + 1]).Store(y + 16);
        T.Values(e.AsInt32(), d, dm, s[g + 1], o[g + 1]).Store(y + 24);
    }

    /// <summary>dst[cols] from a row of Q4_0 blocks: d·(q − 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q4_0(byte* row, float* dst, int cols)
    {
        var eight = Vector256.Create(8);
        for (int b = 0; b < cols / 32; b++)
        {
            byte* block = row + b * Q4Dot.BlockBytes;
            var d = Vector256.Create(HalfWidener.ToSingle(*(ushort*)block));
            var q = Q4Dot.Nibbles(block + 2);
            float* y = dst + b * 32;
            var (lo, hi) = Vector256.Widen(q);
            var (a, c) = Vector256.Widen(lo);
            var (e, f) = Vector256.Widen(hi);
            (Vector256.ConvertToSingle(a.AsInt32() - eight) * d).Store(y);
            (Vector256.ConvertToSingle(c.AsInt32() - eight) * d).Store(y + 8);
            (Vector256.ConvertToSingle(e.AsInt32() - eight) * d).Store(y + 16);
            (Vector256.ConvertToSingle(f.AsInt32() - eight) * d).Store(y + 24);
        }
    }
}
