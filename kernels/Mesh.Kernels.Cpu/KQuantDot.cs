using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>K-quant weight rows · Q8_K tokens (<see cref="IKQuantFormat"/> has the algebra): the
/// 1 row × 4 tokens and 4 rows × 1 token AVX2 tiles, one row × one token in AVX2 and in scalar code.
/// Per super-block the integers S1 and S2 are exact on every path (unsigned quants × signed
/// activations through maddubs, then madd with the group scales; |pair| ≤ 2·63·127, no saturation;
/// four items' sums reduced together), and the float part is the same two fused multiply-adds in
/// block order, acc = fma(S1, d·dy, acc), acc = fma(S2, −(dm·dy), acc), so every tile here, the
/// scalar kernel and <see cref="KQuantGemm"/> give the same bits.</summary>
/// <remarks>Token layout, as <see cref="Q8KQuantizer"/> leaves it: token t's quants at q + t·cols, its
/// scales at dx + t·(cols/256), its group sums at sums + t·(cols/16).</remarks>
internal static unsafe class KQuantDot<T> where T : struct, IKQuantFormat
{
    /// <summary>y[t·ldy] for 4 consecutive tokens: the row's quants are unpacked once for all four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2Tokens4(byte* row, int cols, sbyte* q, float* dx, short* sums, float* y, nint ldy)
    {
        int nb = cols / 256, groups = cols / 16;
        Vector128<float> acc = default;
        for (int b = 0; b < nb; b++)
        {
            byte* block = row + (long)b * T.BlockBytes;
            T.Scales(block, out float d, out float dm);
            T.GroupScales(block, out var s, out var o);
            var lo = Vector256.Create(s.GetLower(), s.GetLower());
            var hi = Vector256.Create(s.GetUpper(), s.GetUpper());
            Vector256<int> i0 = default, i1 = default, i2 = default, i3 = default;
            sbyte* x = q + b * 256;
            Chunk4(block, 0, Pair(lo, 0), Pair(lo, 1), x, cols, ref i0, ref i1, ref i2, ref i3);
            Chunk4(block, 1, Pair(lo, 2), Pair(lo, 3), x, cols, ref i0, ref i1, ref i2, ref i3);
            Chunk4(block, 2, Pair(hi, 0), Pair(hi, 1), x, cols, ref i0, ref i1, ref i2, ref i3);
            Chunk4(block, 3, Pair(hi, 2), Pair(hi, 3), x, cols, ref i0, ref i1, ref i2, ref i3);
            short* g = sums + b * 16;
            var s2 = Reduce4(Avx2.MultiplyAddAdjacent(o, Vector256.Load(g)), Avx2.MultiplyAddAdjacent(o, Vector256.Load(g + groups)),
                Avx2.MultiplyAddAdjacent(o, Vector256.Load(g + 2 * groups)), Avx2.MultiplyAddAdjacent(o, Vector256.Load(g + 3 * groups)));
            var dy = Vector128.Create(dx[b], dx[nb + b], dx[2 * nb + b], dx[3 * nb + b]);
            acc = Accumulate(acc, Reduce4(i0, i1, i2, i3), s2, Vector128.Create(d) * dy, Vector128.Create(dm) * dy);
        }
        y[0] = acc[0]; y[ldy] = acc[1]; y[2 * ldy] = acc[2]; y[3 * ldy] = acc[3];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Chunk4(byte* block, int c, Vector256<short> s0, Vector256<short> s1, sbyte* x, int cols,
        ref Vector256<int> i0, ref Vector256<int> i1, ref Vector256<int> i2, ref Vector256<int> i3)
    {
        T.Quants(block, c, out var w0, out var w1);
        sbyte* x0 = x + 64 * c;
        i0 += Dot(w0, x0, s0) + Dot(w1, x0 + 32, s1);
        i1 += Dot(w0, x0 + cols, s0) + Dot(w1, x0 + cols + 32, s1);
        i2 += Dot(w0, x0 + 2 * cols, s0) + Dot(w1, x0 + 2 * cols + 32, s1);
        i3 += Dot(w0, x0 + 3 * cols, s0) + Dot(w1, x0 + 3 * cols + 32, s1);
    }

    /// <summary>y[r] for 4 consecutive rows (stride rowBytes) against one token: the decode tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2Rows4(byte* row, int rowBytes, int cols, sbyte* q, float* dx, short* sums, float* y)
    {
        int nb = cols / 256;
        Vector128<float> acc = default;
        for (int b = 0; b < nb; b++)
        {
            byte* block = row + (long)b * T.BlockBytes;
            sbyte* x = q + b * 256;
            var g = Vector256.Load(sums + b * 16);
            var (i0, m0) = Block(block, x, g);
            var (i1, m1) = Block(block + rowBytes, x, g);
            var (i2, m2) = Block(block + 2 * rowBytes, x, g);
            var (i3, m3) = Block(block + 3 * rowBytes, x, g);
            var d = T.Scales4(block, rowBytes);   // the four rows' d, then their dm
            var dy = Vector128.Create(dx[b]);
            acc = Accumulate(acc, Reduce4(i0, i1, i2, i3), Reduce4(m0, m1, m2, m3), d.GetLower() * dy, d.GetUpper() * dy);
        }
        acc.Store(y);
    }

    /// <summary>One super-block of one row against one token: S1 and S2 as 8 int32 partial sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<int> S1, Vector256<int> S2) Block(byte* block, sbyte* x, Vector256<short> groupSums)
    {
        T.GroupScales(block, out var s, out var o);
        var lo = Vector256.Create(s.GetLower(), s.GetLower());
        var hi = Vector256.Create(s.GetUpper(), s.GetUpper());
        var s1 = Chunk(block, 0, Pair(lo, 0), Pair(lo, 1), x) + Chunk(block, 1, Pair(lo, 2), Pair(lo, 3), x)
            + Chunk(block, 2, Pair(hi, 0), Pair(hi, 1), x) + Chunk(block, 3, Pair(hi, 2), Pair(hi, 3), x);
        return (s1, Avx2.MultiplyAddAdjacent(o, groupSums));
    }

    /// <summary>The row against one token (rows left over from a 4-row panel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Avx2Token(byte* row, int cols, sbyte* q, float* dx, short* sums)
    {
        int nb = cols / 256;
        var acc = Vector128<float>.Zero;
        for (int b = 0; b < nb; b++)
        {
            byte* block = row + (long)b * T.BlockBytes;
            var (i0, m0) = Block(block, q + b * 256, Vector256.Load(sums + b * 16));
            T.Scales(block, out float d, out float dm);
            var zero = Vector256<int>.Zero;
            var dy = Vector128.Create(dx[b]);
            acc = Accumulate(acc, Reduce4(i0, zero, zero, zero), Reduce4(m0, zero, zero, zero), Vector128.Create(d) * dy, Vector128.Create(dm) * dy);
        }
        return acc[0];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Chunk(byte* block, int c, Vector256<short> s0, Vector256<short> s1, sbyte* x)
    {
        T.Quants(block, c, out var w0, out var w1);
        return Dot(w0, x + 64 * c, s0) + Dot(w1, x + 64 * c + 32, s1);
    }

    /// <summary>The row against one token, in plain integer arithmetic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float ScalarToken(byte* row, int cols, sbyte* q, float* dx, short* sums)
    {
        int nb = cols / 256;
        short* s = stackalloc short[16];
        short* o = stackalloc short[16];
        float acc = 0;
        for (int b = 0; b < nb; b++)
        {
            byte* block = row + (long)b * T.BlockBytes;
            T.Header(block, s, o, out float d, out float dm);
            sbyte* x = q + b * 256;
            int s1 = 0, s2 = 0;
            for (int g = 0; g < 16; g++)
            {
                int dot = 0;
                for (int i = 16 * g; i < 16 * g + 16; i++) dot += T.Quant(block, i) * x[i];
                s1 += s[g] * dot;
                s2 += o[g] * sums[b * 16 + g];
            }
            acc = MathF.FusedMultiplyAdd(s1, d * dx[b], acc);
            acc = MathF.FusedMultiplyAdd(s2, -(dm * dx[b]), acc);
        }
        return acc;
    }

    /// <summary>From 8 group scales repeated in both 128-bit lanes (groups 8h..8h+7): the scale of group
    /// 8h+2k in int16 lanes 0–7 (values 0–15 of a 32) and of group 8h+2k+1 in lanes 8–15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Pair(Vector256<short> eight, int k) => Avx2.Shuffle(eight.AsByte(), k switch
    {
        0 => Vector256.Create((byte)0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3),
        1 => Vector256.Create((byte)4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7),
        2 => Vector256.Create((byte)8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11),
        _ => Vector256.Create((byte)12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15),
    }).AsInt16();

    /// <summary>Σ s·q·x over 32 values, as 8 int32 partial sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot(Vector256<byte> w, sbyte* x, Vector256<short> scales) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(w, Vector256.Load(x)), scales);

    /// <summary>Four items' sums at once: acc = fma(S1, d·dy, acc), then acc = fma(S2, −(dm·dy), acc),
    /// lane by lane — the scalar kernel's sequence for each item.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Accumulate(Vector128<float> acc, Vector128<int> s1, Vector128<int> s2, Vector128<float> ddy, Vector128<float> dmdy)
    {
        acc = Vector128.FusedMultiplyAdd(Vector128.ConvertToSingle(s1), ddy, acc);
        return Vector128.FusedMultiplyAdd(Vector128.ConvertToSingle(s2), -dmdy, acc);
    }

    /// <summary>Lane i = the sum of the 8 lanes of the i-th vector (integers: exact in any order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<int> Reduce4(Vector256<int> a, Vector256<int> b, Vector256<int> c, Vector256<int> d)
    {
        var h = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a, b), Avx2.HorizontalAdd(c, d));
        return h.GetLower() + h.GetUpper();
    }
}
