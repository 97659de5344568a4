using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>The AVX-512 tile for K-quant batches: 16 weight rows × 8 tokens, rows in the lanes. The
/// panel (<see cref="KQuantPanel16"/>) holds the 16 rows' quants interleaved 4 bytes per row, so one
/// 64-byte load serves every token and each token's 4 bytes are broadcast from its own Q8_K row (no
/// activation packing). Per group of 16 values, vpmaddubsw pairs summed in int16 (no overflow: see
/// <see cref="KQuantPanel16.Steps"/>), then one vpmaddwd by the group scale gives S1 exactly; S2 and the
/// two fused multiply-adds per super-block are <see cref="KQuantDot{T}"/>'s, lane by lane, so a token's
/// result equals its result from every other tile. y is written 16 rows at a time, no transpose.</summary>
internal static unsafe class KQuantGemm16
{
    public const int Rows = 16;
    public const int Tokens = 8;

    /// <param name="x">The 8 tokens' Q8_K quants, token t at x + t·cols.</param>
    /// <param name="dx">Their super-block scales, token t at dx + t·nb.</param>
    /// <param name="sums">Their group sums, token t at sums + t·cols/16.</param>
    /// <param name="y">y[token · ldy + row] for the 8 tokens and 16 rows.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile16x8(KQuantPanel16 p, int cols, sbyte* x, float* dx, short* sums, float* y, nint ldy)
    {
        int nb = cols / 256, groups = cols / 16;
        bool split = p.Steps == 2;
        Vector512<float> f0 = default, f1 = default, f2 = default, f3 = default, f4 = default, f5 = default, f6 = default, f7 = default;
        for (int b = 0; b < nb; b++)
        {
            Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            byte* qb = p.Q + (long)b * 4096;
            int* sb = p.S + b * 256;
            sbyte* xb = x + b * 256;
            for (int g = 0; g < 16; g++)
            {
                byte* q = qb + g * 256;
                var w0 = Vector512.Load(q);
                var w1 = Vector512.Load(q + 64);
                var w2 = Vector512.Load(q + 128);
                var w3 = Vector512.Load(q + 192);
                var s = Vector512.Load(sb + g * 16).AsInt16();
                sbyte* xg = xb + g * 16;
                a0 += Group(w0, w1, w2, w3, s, xg, split);
                a1 += Group(w0, w1, w2, w3, s, xg + cols, split);
                a2 += Group(w0, w1, w2, w3, s, xg + 2 * cols, split);
                a3 += Group(w0, w1, w2, w3, s, xg + 3 * cols, split);
                a4 += Group(w0, w1, w2, w3, s, xg + 4 * cols, split);
                a5 += Group(w0, w1, w2, w3, s, xg + 5 * cols, split);
                a6 += Group(w0, w1, w2, w3, s, xg + 6 * cols, split);
                a7 += Group(w0, w1, w2, w3, s, xg + 7 * cols, split);
            }
            int* o = p.H + b * 256;
            var d = Vector512.Load((float*)(o + 128));
            var dm = Vector512.Load((float*)(o + 144));
            short* sg = sums + b * 16;
            f0 = Accumulate(f0, a0, Offsets(o, sg), d, dm, dx[b]);
            f1 = Accumulate(f1, a1, Offsets(o, sg + groups), d, dm, dx[nb + b]);
            f2 = Accumulate(f2, a2, Offsets(o, sg + 2 * groups), d, dm, dx[2 * nb + b]);
            f3 = Accumulate(f3, a3, Offsets(o, sg + 3 * groups), d, dm, dx[3 * nb + b]);
            f4 = Accumulate(f4, a4, Offsets(o, sg + 4 * groups), d, dm, dx[4 * nb + b]);
            f5 = Accumulate(f5, a5, Offsets(o, sg + 5 * groups), d, dm, dx[5 * nb + b]);
            f6 = Accumulate(f6, a6, Offsets(o, sg + 6 * groups), d, dm, dx[6 * nb + b]);
            f7 = Accumulate(f7, a7, Offsets(o, sg + 7 * groups), d, dm, dx[7 * nb + b]);
        }
        f0.Store(y);
        f1.Store(y + ldy);
        f2.Store(y + 2 * ldy);
        f3.Store(y + 3 * ldy);
        f4.Store(y + 4 * ldy);
        f5.Store(y + 5 * ldy);
        f6.Store(y + 6 * ldy);
        f7.Store(y + 7 * ldy);
    }

    /// <summary>S1 of one group of 16 values, per row: s·Σ q·x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Group(Vector512<byte> w0, Vector512<byte> w1, Vector512<byte> w2, Vector512<byte> w3, Vector512<short> s, sbyte* x, bool split)
    {
        var p0 = Avx512BW.MultiplyAddAdjacent(w0, Vector512.Create(*(int*)x).AsSByte());
        var p1 = Avx512BW.MultiplyAddAdjacent(w1, Vector512.Create(*(int*)(x + 4)).AsSByte());
        var p2 = Avx512BW.MultiplyAddAdjacent(w2, Vector512.Create(*(int*)(x + 8)).AsSByte());
        var p3 = Avx512BW.MultiplyAddAdjacent(w3, Vector512.Create(*(int*)(x + 12)).AsSByte());
        if (split) return Avx512BW.MultiplyAddAdjacent(p0 + p1, s) + Avx512BW.MultiplyAddAdjacent(p2 + p3, s);
        return Avx512BW.MultiplyAddAdjacent(p0 + p1 + p2 + p3, s);
    }

    /// <summary>S2 per row: Σ over the 8 pairs of (o₂ⱼ, o₂ⱼ₊₁)·(Σx₂ⱼ, Σx₂ⱼ₊₁).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Offsets(int* pairs, short* sums)
    {
        var m = Vector512<int>.Zero;
        for (int j = 0; j < 8; j++)
            m += Avx512BW.MultiplyAddAdjacent(Vector512.Load(pairs + j * 16).AsInt16(), Vector512.Create(*(int*)(sums + 2 * j)).AsInt16());
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Accumulate(Vector512<float> f, Vector512<int> s1, Vector512<int> s2, Vector512<float> d, Vector512<float> dm, float dy)
    {
        var y = Vector512.Create(dy);
        f = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(s1), d * y, f);
        return Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(s2), -(dm * y), f);
    }
}

/// <summary>A 16-row K-quant panel for <see cref="KQuantGemm16"/>: quants interleaved [nb, 64 (k/4), 16
/// rows, 4]; group scales [nb, 16 groups, 16 rows] as int16 pairs (s, s); per super-block a header
/// [16, 16 rows] whose rows 0–7 are the offset pairs (ushort)o₂ⱼ | o₂ⱼ₊₁ &lt;&lt; 16, row 8 d and row 9 dm
/// (rows 10–15 unused). Per thread, grown to the widest matrix seen, pinned; unpacking transposes 16
/// rows at a time in registers.</summary>
internal sealed unsafe class KQuantPanel16
{
    public const int Rows = KQuantGemm16.Rows;
    [ThreadStatic] private static KQuantPanel16? t_current;

    private readonly int[] _memory;
    private readonly int _cols;
    private readonly int* _rows;   // [2, 16, 16] ints: the rows of two 16×16 blocks before they are transposed
    public byte* Q { get; }
    public int* S { get; }
    public int* H { get; }

    /// <summary>k/4 steps summed in int16 before the scale's vpmaddwd: 4 (a group at once) for 4- and 5-bit
    /// quants (8·31·128 &lt; 2¹⁵), 2 for Q6_K's 6-bit ones (8·63·128 would overflow; 4·63·128 does not).</summary>
    public int Steps { get; private set; }

    private KQuantPanel16(int cols)
    {
        _cols = cols;
        int nb = cols / 256;
        // quants, then per super-block 256 scale ints and a 256-int header, then the transpose rows; 64-byte aligned
        _memory = GC.AllocateUninitializedArray<int>(Rows * cols / 4 + nb * 512 + 512 + 16, pinned: true);
        byte* raw = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_memory));
        int* p = (int*)(((nint)raw + 63) & ~(nint)63);
        Q = (byte*)p; p += Rows * cols / 4;
        S = p; p += nb * 256;
        H = p; p += nb * 256;
        _rows = p;
    }

    /// <summary>This thread's panel, for rows of at least <paramref name="cols"/> values.</summary>
    public static KQuantPanel16 For(int cols)
    {
        if (t_current is null || t_current._cols < cols) t_current = new KQuantPanel16(cols);
        return t_current;
    }

    /// <summary>Unpacks the 16 rows at <paramref name="rows"/> (stride rowBytes), cols values each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Unpack<T>(byte* rows, int rowBytes, int cols) where T : struct, IKQuantFormat
    {
        Steps = T.BlockBytes == QuantizedBlocks.Q6_KBytes ? 2 : 4;
        int nb = cols / 256;
        int* m = _rows, h = _rows + 256;
        var low = Vector512.Create(0xFFFF);
        for (int b = 0; b < nb; b++)
        {
            byte* first = rows + (long)b * T.BlockBytes;
            for (int r = 0; r < Rows; r++)
            {
                byte* block = first + (long)r * rowBytes;
                T.GroupScales(block, out var s, out var o);
                T.Scales(block, out float d, out float dm);
                var wide = Avx512F.ConvertToVector512Int32(s);
                ((wide & low) | (wide << 16)).Store(m + r * 16);
                Vector512.Create(o.AsInt32(), Vector256.Create(BitConverter.SingleToInt32Bits(d), BitConverter.SingleToInt32Bits(dm), 0, 0, 0, 0, 0, 0))
                    .Store(h + r * 16);
            }
            Transpose16(m, S + b * 256);
            Transpose16(h, H + b * 256);
            for (int c = 0; c < 4; c++)
            {
                for (int r = 0; r < Rows; r++)
                {
                    T.Quants(first + (long)r * rowBytes, c, out var lo, out var hi);
                    lo.Store((byte*)(m + r * 16));
                    hi.Store((byte*)(m + r * 16 + 8));
                }
                Transpose16(m, (int*)(Q + (long)b * 4096 + c * 1024));
            }
        }
    }

    /// <summary>dst[j, i] = src[i, j] for a 16×16 int32 block (rows of 16 ints, contiguous): 32-bit, then 64-bit
    /// interleaves within 128-bit lanes, then two rounds of 128-bit lane shuffles, all in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16(int* src, int* dst)
    {
        Quad(src, out var u0, out var u1, out var u2, out var u3);
        Quad(src + 64, out var u4, out var u5, out var u6, out var u7);
        Quad(src + 128, out var u8, out var u9, out var u10, out var u11);
        Quad(src + 192, out var u12, out var u13, out var u14, out var u15);
        Lanes(u0, u4, u8, u12, dst);
        Lanes(u1, u5, u9, u13, dst + 16);
        Lanes(u2, u6, u10, u14, dst + 32);
        Lanes(u3, u7, u11, u15, dst + 48);
    }

    /// <summary>Rows 4q..4q+3 → c = 0..3: lane l of uc holds column 4l + c of the four rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(int* src, out Vector512<int> u0, out Vector512<int> u1, out Vector512<int> u2, out Vector512<int> u3)
    {
        var r0 = Vector512.Load(src); var r1 = Vector512.Load(src + 16);
        var r2 = Vector512.Load(src + 32); var r3 = Vector512.Load(src + 48);
        var lo01 = Avx512F.UnpackLow(r0, r1).AsInt64(); var hi01 = Avx512F.UnpackHigh(r0, r1).AsInt64();
        var lo23 = Avx512F.UnpackLow(r2, r3).AsInt64(); var hi23 = Avx512F.UnpackHigh(r2, r3).AsInt64();
        u0 = Avx512F.UnpackLow(lo01, lo23).AsInt32();
        u1 = Avx512F.UnpackHigh(lo01, lo23).AsInt32();
        u2 = Avx512F.UnpackLow(hi01, hi23).AsInt32();
        u3 = Avx512F.UnpackHigh(hi01, hi23).AsInt32();
    }

    /// <summary>The four quads' vectors of one column offset c → output rows c, 4 + c, 8 + c, 12 + c
    /// (stride 64 ints between them, starting at dst + 16c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Lanes(Vector512<int> v0, Vector512<int> v1, Vector512<int> v2, Vector512<int> v3, int* dst)
    {
        var x0 = Avx512F.Shuffle4x128(v0, v1, 0x88);
        var x1 = Avx512F.Shuffle4x128(v0, v1, 0xDD);
        var x2 = Avx512F.Shuffle4x128(v2, v3, 0x88);
        var x3 = Avx512F.Shuffle4x128(v2, v3, 0xDD);
        Avx512F.Shuffle4x128(x0, x2, 0x88).Store(dst);
        Avx512F.Shuffle4x128(x1, x3, 0x88).Store(dst + 64);
        Avx512F.Shuffle4x128(x0, x2, 0xDD).Store(dst + 128);
        Avx512F.Shuffle4x128(x1, x3, 0xDD).Store(dst + 192);
    }
}
