using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>AVX-512 tiles: 16-lane accumulators, k in steps of 16, then <see cref="Sum"/>; the k % 16
/// tail is added after the reduction in ascending order.</summary>
internal readonly unsafe struct DotTiles512 : IDotTiles
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4x4(float* w, nint ldw, float* x, nint ldx, int k, float* y, nint ldy)
    {
        float* w0 = w, w1 = w + ldw, w2 = w + 2 * ldw, w3 = w + 3 * ldw;
        float* x0 = x, x1 = x + ldx, x2 = x + 2 * ldx, x3 = x + 3 * ldx;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int k16 = k & ~15;
        for (int c = 0; c < k16; c += 16)
        {
            var r0 = Vector512.Load(w0 + c);
            var r1 = Vector512.Load(w1 + c);
            var r2 = Vector512.Load(w2 + c);
            var r3 = Vector512.Load(w3 + c);
            var t = Vector512.Load(x0 + c);
            a00 = Vector512.FusedMultiplyAdd(r0, t, a00); a10 = Vector512.FusedMultiplyAdd(r1, t, a10);
            a20 = Vector512.FusedMultiplyAdd(r2, t, a20); a30 = Vector512.FusedMultiplyAdd(r3, t, a30);
            t = Vector512.Load(x1 + c);
            a01 = Vector512.FusedMultiplyAdd(r0, t, a01); a11 = Vector512.FusedMultiplyAdd(r1, t, a11);
            a21 = Vector512.FusedMultiplyAdd(r2, t, a21); a31 = Vector512.FusedMultiplyAdd(r3, t, a31);
            t = Vector512.Load(x2 + c);
            a02 = Vector512.FusedMultiplyAdd(r0, t, a02); a12 = Vector512.FusedMultiplyAdd(r1, t, a12);
            a22 = Vector512.FusedMultiplyAdd(r2, t, a22); a32 = Vector512.FusedMultiplyAdd(r3, t, a32);
            t = Vector512.Load(x3 + c);
            a03 = Vector512.FusedMultiplyAdd(r0, t, a03); a13 = Vector512.FusedMultiplyAdd(r1, t, a13);
            a23 = Vector512.FusedMultiplyAdd(r2, t, a23); a33 = Vector512.FusedMultiplyAdd(r3, t, a33);
        }
        float* y0 = y, y1 = y + ldy, y2 = y + 2 * ldy, y3 = y + 3 * ldy;
        y0[0] = Finish(a00, w0, x0, k16, k); y0[1] = Finish(a10, w1, x0, k16, k); y0[2] = Finish(a20, w2, x0, k16, k); y0[3] = Finish(a30, w3, x0, k16, k);
        y1[0] = Finish(a01, w0, x1, k16, k); y1[1] = Finish(a11, w1, x1, k16, k); y1[2] = Finish(a21, w2, x1, k16, k); y1[3] = Finish(a31, w3, x1, k16, k);
        y2[0] = Finish(a02, w0, x2, k16, k); y2[1] = Finish(a12, w1, x2, k16, k); y2[2] = Finish(a22, w2, x2, k16, k); y2[3] = Finish(a32, w3, x2, k16, k);
        y3[0] = Finish(a03, w0, x3, k16, k); y3[1] = Finish(a13, w1, x3, k16, k); y3[2] = Finish(a23, w2, x3, k16, k); y3[3] = Finish(a33, w3, x3, k16, k);
    }

    /// <summary>The four rows one after another, each <see cref="Dot"/> (the same accumulator and order as the other
    /// tiles): decode then streams the panel in address order, which the hardware prefetchers follow better than
    /// four interleaved rows with software prefetch (F32 decode of the 134M file, alternating runs: 86–92 → 86–103
    /// tok/s, median 88 → 99; 2 threads streaming 768 MB: median 33.6 → 36.1 GB/s against a 38.9 GB/s probe).
    /// <paramref name="prefetch"/> is not used on this path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4x1(float* w, nint ldw, float* x, int k, float* y, float* prefetch)
    {
        y[0] = Dot(w, x, k);
        y[1] = Dot(w + ldw, x, k);
        y[2] = Dot(w + 2 * ldw, x, k);
        y[3] = Dot(w + 3 * ldw, x, k);
    }

    public static bool PairsPanels => true;

    /// <summary><see cref="Tile4x1"/> on two panels, row r of each side by side (see <see cref="F16WeightTile4x1Pair"/>):
    /// two streams far apart, two accumulator chains per token, each row <see cref="Dot"/>'s sequence. 2 threads over
    /// 512 MB, one row at a time 57–58 GB/s, two side by side 72–75 (a plain read 69–71). A second token rides the
    /// same pass (four chains).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4x1Pair(float* wa, float* wb, nint ldw, float* x0, float* x1, int k, float* ya0, float* yb0, float* ya1, float* yb1) =>
        PairRows<F32Rows>((byte*)wa, (byte*)wb, ldw * sizeof(float), x0, x1, k, ya0, yb0, ya1, yb1);

    /// <summary><see cref="Tile4x1Pair"/> on BF16 rows: 16 values at a time zero-extended and shifted into the top of
    /// their lanes (exactly the widened floats), then <see cref="Dot"/>'s sequence. BF16 decode read its rows through
    /// the widened scratch panel: 134M BF16, one sequence, 76–80 tok/s against F16's ~200 on the same bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Bf16Tile4x1Pair(ushort* wa, ushort* wb, nint ldw, float* x0, float* x1, int k, float* ya0, float* yb0, float* ya1, float* yb1) =>
        PairRows<Bf16Rows>((byte*)wa, (byte*)wb, ldw * sizeof(ushort), x0, x1, k, ya0, yb0, ya1, yb1);

    /// <summary>The paired rows of <typeparamref name="TR"/>'s element type: 4 rows of two panels (row stride ldwBytes),
    /// one token or two.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairRows<TR>(byte* wa, byte* wb, nint ldwBytes, float* x0, float* x1, int k, float* ya0, float* yb0, float* ya1, float* yb1)
        where TR : struct, IRowElements
    {
        int k16 = k & ~15;
        for (int r = 0; r < 4; r++)
        {
            byte* a = wa + r * ldwBytes, b = wb + r * ldwBytes;
            Vector512<float> sa = default, sb = default;
            if (x1 == null)
            {
                for (int c = 0; c < k16; c += 16)
                {
                    var t = Vector512.Load(x0 + c);
                    sa = Vector512.FusedMultiplyAdd(TR.Load16(a, c), t, sa);
                    sb = Vector512.FusedMultiplyAdd(TR.Load16(b, c), t, sb);
                }
            }
            else
            {
                Vector512<float> ta = default, tb = default;
                for (int c = 0; c < k16; c += 16)
                {
                    var t = Vector512.Load(x0 + c);
                    var u = Vector512.Load(x1 + c);
                    var va = TR.Load16(a, c);
                    var vb = TR.Load16(b, c);
                    sa = Vector512.FusedMultiplyAdd(va, t, sa);
                    sb = Vector512.FusedMultiplyAdd(vb, t, sb);
                    ta = Vector512.FusedMultiplyAdd(va, u, ta);
                    tb = Vector512.FusedMultiplyAdd(vb, u, tb);
                }
                ya1[r] = FinishRow<TR>(ta, a, x1, k16, k);
                yb1[r] = FinishRow<TR>(tb, b, x1, k16, k);
            }
            ya0[r] = FinishRow<TR>(sa, a, x0, k16, k);
            yb0[r] = FinishRow<TR>(sb, b, x0, k16, k);
        }
    }

    /// <summary><see cref="Finish"/> for a row of <typeparamref name="TR"/>'s elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FinishRow<TR>(Vector512<float> acc, byte* w, float* x, int k16, int k) where TR : struct, IRowElements
    {
        float s = Sum(acc);
        for (int c = k16; c < k; c++) s = MathF.FusedMultiplyAdd(TR.At(w, c), x[c], s);
        return s;
    }

    /// <summary>How a paired tile reads its rows' elements as exact F32.</summary>
    private interface IRowElements
    {
        static abstract Vector512<float> Load16(byte* row, int c);
        static abstract float At(byte* row, int c);
    }

    private readonly struct F32Rows : IRowElements
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load16(byte* row, int c) => Vector512.Load((float*)row + c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float At(byte* row, int c) => ((float*)row)[c];
    }

    /// <summary>BF16 widened exactly: bits &lt;&lt; 16.</summary>
    private readonly struct Bf16Rows : IRowElements
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load16(byte* row, int c) => (Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)row + c)) << 16).AsSingle();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float At(byte* row, int c) => BitConverter.Int32BitsToSingle(((ushort*)row)[c] << 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q8Tile4x1(byte* w, int rowBytes, float* x, int k, float* y, float* scratch)
    {
        int nb = k / 32;
        for (int r = 0; r < 4; r++) RowConverter.BlockScales(w + (long)r * rowBytes, nb, scratch + r * nb);
        byte* q0 = w + 2, q1 = q0 + rowBytes, q2 = q0 + 2 * rowBytes, q3 = q0 + 3 * rowBytes;
        float* s0 = scratch, s1 = s0 + nb, s2 = s1 + nb, s3 = s2 + nb;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < nb; b++)
        {
            int o = b * 34;
            var xa = Vector512.Load(x + b * 32);
            var xb = Vector512.Load(x + b * 32 + 16);
            a0 = Q8Block(q0 + o, s0[b], xa, xb, a0);
            a1 = Q8Block(q1 + o, s1[b], xa, xb, a1);
            a2 = Q8Block(q2 + o, s2[b], xa, xb, a2);
            a3 = Q8Block(q3 + o, s3[b], xa, xb, a3);
        }
        y[0] = Sum(a0); y[1] = Sum(a1); y[2] = Sum(a2); y[3] = Sum(a3);
    }

    /// <summary>Two 16-lane steps over one Q8_0 block: w = (float)q · d, acc = fma(w, x, acc).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Q8Block(byte* q, float d, Vector512<float> xa, Vector512<float> xb, Vector512<float> acc)
    {
        var vd = Vector512.Create(d);
        var wa = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)q))) * vd;
        var wb = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)q + 16))) * vd;
        return Vector512.FusedMultiplyAdd(wb, xb, Vector512.FusedMultiplyAdd(wa, xa, acc));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void F16Tile4x1(ushort* w, nint ldw, float* x, int k, float* y, float* scratch)
    {
        ushort* w0 = w, w1 = w + ldw, w2 = w + 2 * ldw, w3 = w + 3 * ldw;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k16 = k & ~15;
        for (int c = 0; c < k16; c += 16)
        {
            var t = Vector512.Load(x + c);
            a0 = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(w0 + c), t, a0);
            a1 = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(w1 + c), t, a1);
            a2 = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(w2 + c), t, a2);
            a3 = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(w3 + c), t, a3);
        }
        y[0] = FinishHalf(a0, w0, x, k16, k);
        y[1] = FinishHalf(a1, w1, x, k16, k);
        y[2] = FinishHalf(a2, w2, x, k16, k);
        y[3] = FinishHalf(a3, w3, x, k16, k);
    }

    public static bool F16Scaled => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool F16ScaledTile4x1(ushort* w, nint ldw, float* x, int k, float* y)
    {
        ushort* w0 = w, w1 = w + ldw, w2 = w + 2 * ldw, w3 = w + 3 * ldw;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<ushort> top = default;
        for (int c = 0; c < k; c += 16)
        {
            var t = Vector512.Load(x + c);
            a0 = Vector512.FusedMultiplyAdd(HalfWidener.Placed16(w0 + c), t, a0);
            a1 = Vector512.FusedMultiplyAdd(HalfWidener.Placed16(w1 + c), t, a1);
            a2 = Vector512.FusedMultiplyAdd(HalfWidener.Placed16(w2 + c), t, a2);
            a3 = Vector512.FusedMultiplyAdd(HalfWidener.Placed16(w3 + c), t, a3);
            top = Vector256.Max(top, Vector256.Max(Vector256.Max(HalfWidener.Doubled16(w0 + c), HalfWidener.Doubled16(w1 + c)),
                Vector256.Max(HalfWidener.Doubled16(w2 + c), HalfWidener.Doubled16(w3 + c))));
        }
        Sum4(a0, a1, a2, a3, y);
        return !HalfWidener.AnySpecial(top);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool F16ScaledMultiplyAddRows(ushort* v, nint ldv, int rows, float* p, float* o, int k)
    {
        Vector256<ushort> top = default;
        int c = 0;
        for (; c + 64 <= k; c += 64)
        {
            Vector512<float> a0 = Vector512.Load(o + c), a1 = Vector512.Load(o + c + 16), a2 = Vector512.Load(o + c + 32), a3 = Vector512.Load(o + c + 48);
            for (int j = 0; j < rows; j++)
            {
                ushort* vj = v + j * ldv + c;
                var s = Vector512.Create(p[j] * HalfWidener.Rebias);
                a0 = Vector512.FusedMultiplyAdd(HalfWidener.Placed16(vj), s, a0);
                a1 = Vector512.FusedMultiplyAdd(HalfWidener.Placed16(vj + 16), s, a1);
                a2 = Vector512.FusedMultiplyAdd(HalfWidener.Placed16(vj + 32), s, a2);
                a3 = Vector512.FusedMultiplyAdd(HalfWidener.Placed16(vj + 48), s, a3);
                top = Vector256.Max(top, Vector256.Max(Vector256.Max(HalfWidener.Doubled16(vj), HalfWidener.Doubled16(vj + 16)),
                    Vector256.Max(HalfWidener.Doubled16(vj + 32), HalfWidener.Doubled16(vj + 48))));
            }
            a0.Store(o + c); a1.Store(o + c + 16); a2.Store(o + c + 32); a3.Store(o + c + 48);
        }
        for (; c < k; c += 16)
        {
            var a = Vector512.Load(o + c);
            for (int j = 0; j < rows; j++)
            {
                a = Vector512.FusedMultiplyAdd(HalfWidener.Placed16(v + j * ldv + c), Vector512.Create(p[j] * HalfWidener.Rebias), a);
                top = Vector256.Max(top, HalfWidener.Doubled16(v + j * ldv + c));
            }
            a.Store(o + c);
        }
        return !HalfWidener.AnySpecial(top);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void F16MultiplyAddRows(ushort* v, nint ldv, int rows, float* p, float* o, int k, float* scratch)
    {
        int c = 0;
        for (; c + 64 <= k; c += 64)
        {
            Vector512<float> a0 = Vector512.Load(o + c), a1 = Vector512.Load(o + c + 16), a2 = Vector512.Load(o + c + 32), a3 = Vector512.Load(o + c + 48);
            for (int j = 0; j < rows; j++)
            {
                ushort* vj = v + j * ldv + c;
                var s = Vector512.Create(p[j]);
                a0 = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(vj), s, a0);
                a1 = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(vj + 16), s, a1);
                a2 = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(vj + 32), s, a2);
                a3 = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(vj + 48), s, a3);
            }
            a0.Store(o + c); a1.Store(o + c + 16); a2.Store(o + c + 32); a3.Store(o + c + 48);
        }
        for (; c + 16 <= k; c += 16)
        {
            var a = Vector512.Load(o + c);
            for (int j = 0; j < rows; j++) a = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(v + j * ldv + c), Vector512.Create(p[j]), a);
            a.Store(o + c);
        }
        for (; c < k; c++)
            for (int j = 0; j < rows; j++) o[c] = MathF.FusedMultiplyAdd(HalfWidener.ToSingle(v[j * ldv + c]), p[j], o[c]);
    }

    public static bool F16Pairs => Avx512BW.IsSupported;

    /// <summary>4 F16 weight rows in pair order, one after another (<see cref="F16PairDot"/>), so decode streams
    /// the panel in address order with no software prefetch: 134M F16 file, alternating runs, median 121 →
    /// 145 tok/s against 4 interleaved rows with prefetch (and ~90 with neither).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void F16WeightTile4x1(ushort* w, nint ldw, float* x, int k, float* y, float* scratch)
    {
        y[0] = F16PairDot(w, x, k);
        y[1] = F16PairDot(w + ldw, x, k);
        y[2] = F16PairDot(w + 2 * ldw, x, k);
        y[3] = F16PairDot(w + 3 * ldw, x, k);
    }

    /// <summary><see cref="F16WeightTile4x1"/> on two panels, row r of each side by side: two accumulator chains (one
    /// row's chain is latency-bound once its data is in cache) and two address streams, each still in address order.
    /// The decode product pairs each panel with one half a matrix away, so a thread's share is two far-apart
    /// streams: adjacent rows side by side streamed 2–3× slower (the prefetchers lose the interleaved pattern).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void F16WeightTile4x1Pair(ushort* wa, ushort* wb, nint ldw, float* x, int k, float* ya, float* yb, float* scratch)
    {
        for (int r = 0; r < 4; r++)
        {
            ushort* a = wa + r * ldw, b = wb + r * ldw;
            Vector512<float> sa = default, sb = default;
            int k32 = k & ~(HalfPairs.Chunk - 1), k16 = k & ~15;
            for (int c = 0; c < k32; c += HalfPairs.Chunk)
            {
                var xl = Vector512.Load(x + c);
                var xh = Vector512.Load(x + c + 16);
                HalfPairs.Widen(a + c, out var la, out var ha);
                HalfPairs.Widen(b + c, out var lb, out var hb);
                sa = Vector512.FusedMultiplyAdd(ha, xh, Vector512.FusedMultiplyAdd(la, xl, sa));
                sb = Vector512.FusedMultiplyAdd(hb, xh, Vector512.FusedMultiplyAdd(lb, xl, sb));
            }
            if (k16 > k32)
            {
                var t = Vector512.Load(x + k32);
                sa = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(a + k32), t, sa);
                sb = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(b + k32), t, sb);
            }
            ya[r] = FinishHalf(sa, a, x, k16, k);
            yb[r] = FinishHalf(sb, b, x, k16, k);
        }
    }

    /// <summary><see cref="F16WeightTile4x1"/> for two tokens: each 32-column chunk widened once for both, each token
    /// its own accumulator with <see cref="F16PairDot"/>'s sequence (a second chain, so the two tokens cost about one
    /// token's latency-bound chain).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void F16WeightTile4x2(ushort* w, nint ldw, float* x0, float* x1, int k, float* y0, float* y1, float* scratch)
    {
        for (int r = 0; r < 4; r++)
        {
            ushort* wr = w + r * ldw;
            Vector512<float> a = default, b = default;
            int k32 = k & ~(HalfPairs.Chunk - 1), k16 = k & ~15;
            for (int c = 0; c < k32; c += HalfPairs.Chunk)
            {
                HalfPairs.Widen(wr + c, out var l, out var h);
                a = Vector512.FusedMultiplyAdd(h, Vector512.Load(x0 + c + 16), Vector512.FusedMultiplyAdd(l, Vector512.Load(x0 + c), a));
                b = Vector512.FusedMultiplyAdd(h, Vector512.Load(x1 + c + 16), Vector512.FusedMultiplyAdd(l, Vector512.Load(x1 + c), b));
            }
            if (k16 > k32)
            {
                var t = HalfWidener.Widen16(wr + k32);
                a = Vector512.FusedMultiplyAdd(t, Vector512.Load(x0 + k32), a);
                b = Vector512.FusedMultiplyAdd(t, Vector512.Load(x1 + k32), b);
            }
            y0[r] = FinishHalf(a, wr, x0, k16, k);
            y1[r] = FinishHalf(b, wr, x1, k16, k);
        }
    }

    /// <summary>One F16 weight row in pair order against x (in pair order): whole 32-column chunks widened by
    /// <see cref="HalfPairs.Widen"/> (lo, then hi, into the one accumulator, as <see cref="Tile4x1"/> meets them in a
    /// pair-order panel), a last 16 columns and the k % 16 tail in natural order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float F16PairDot(ushort* w, float* x, int k)
    {
        Vector512<float> a = default;
        int k32 = k & ~(HalfPairs.Chunk - 1), k16 = k & ~15;
        for (int c = 0; c < k32; c += HalfPairs.Chunk)
        {
            HalfPairs.Widen(w + c, out var l, out var h);
            a = Vector512.FusedMultiplyAdd(h, Vector512.Load(x + c + 16), Vector512.FusedMultiplyAdd(l, Vector512.Load(x + c), a));
        }
        if (k16 > k32) a = Vector512.FusedMultiplyAdd(HalfWidener.Widen16(w + k32), Vector512.Load(x + k32), a);
        return FinishHalf(a, w, x, k16, k);
    }

    /// <summary><see cref="Finish"/> with the k % 16 tail read from F16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FinishHalf(Vector512<float> acc, ushort* w, float* x, int k16, int k)
    {
        float s = Sum(acc);
        for (int c = k16; c < k; c++) s = MathF.FusedMultiplyAdd(HalfWidener.ToSingle(w[c]), x[c], s);
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* w, float* x, int k)
    {
        Vector512<float> a = default;
        int k16 = k & ~15;
        for (int c = 0; c < k16; c += 16) a = Vector512.FusedMultiplyAdd(Vector512.Load(w + c), Vector512.Load(x + c), a);
        return Finish(a, w, x, k16, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(float* v, float s, float* o, int k)
    {
        var vs = Vector512.Create(s);
        int c = 0;
        for (; c + 16 <= k; c += 16) Vector512.FusedMultiplyAdd(Vector512.Load(v + c), vs, Vector512.Load(o + c)).Store(o + c);
        for (; c < k; c++) o[c] = MathF.FusedMultiplyAdd(v[c], s, o[c]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAddRows(float* v, nint ldv, int rows, float* p, nint ldp, int queries, float* o, nint ldo, int k)
    {
        int c = 0;
        if (queries == 4)
        {
            float* o0 = o, o1 = o + ldo, o2 = o + 2 * ldo, o3 = o + 3 * ldo;
            float* p0 = p, p1 = p + ldp, p2 = p + 2 * ldp, p3 = p + 3 * ldp;
            for (; c + 32 <= k; c += 32)
            {
                Vector512<float> a0 = Vector512.Load(o0 + c), b0 = Vector512.Load(o0 + c + 16), a1 = Vector512.Load(o1 + c), b1 = Vector512.Load(o1 + c + 16);
                Vector512<float> a2 = Vector512.Load(o2 + c), b2 = Vector512.Load(o2 + c + 16), a3 = Vector512.Load(o3 + c), b3 = Vector512.Load(o3 + c + 16);
                for (int j = 0; j < rows; j++)
                {
                    float* vj = v + j * ldv + c;
                    var va = Vector512.Load(vj);
                    var vb = Vector512.Load(vj + 16);
                    var s = Vector512.Create(p0[j]); a0 = Vector512.FusedMultiplyAdd(va, s, a0); b0 = Vector512.FusedMultiplyAdd(vb, s, b0);
                    s = Vector512.Create(p1[j]); a1 = Vector512.FusedMultiplyAdd(va, s, a1); b1 = Vector512.FusedMultiplyAdd(vb, s, b1);
                    s = Vector512.Create(p2[j]); a2 = Vector512.FusedMultiplyAdd(va, s, a2); b2 = Vector512.FusedMultiplyAdd(vb, s, b2);
                    s = Vector512.Create(p3[j]); a3 = Vector512.FusedMultiplyAdd(va, s, a3); b3 = Vector512.FusedMultiplyAdd(vb, s, b3);
                }
                a0.Store(o0 + c); b0.Store(o0 + c + 16); a1.Store(o1 + c); b1.Store(o1 + c + 16);
                a2.Store(o2 + c); b2.Store(o2 + c + 16); a3.Store(o3 + c); b3.Store(o3 + c + 16);
            }
        }
        else if (queries == 1)
        {
            for (; c + 64 <= k; c += 64)
            {
                Vector512<float> a0 = Vector512.Load(o + c), a1 = Vector512.Load(o + c + 16), a2 = Vector512.Load(o + c + 32), a3 = Vector512.Load(o + c + 48);
                for (int j = 0; j < rows; j++)
                {
                    float* vj = v + j * ldv + c;
                    var s = Vector512.Create(p[j]);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(vj), s, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(vj + 16), s, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Load(vj + 32), s, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Load(vj + 48), s, a3);
                }
                a0.Store(o + c); a1.Store(o + c + 16); a2.Store(o + c + 32); a3.Store(o + c + 48);
            }
        }
        if (c < k)
            for (int q = 0; q < queries; q++)
                for (int j = 0; j < rows; j++) MultiplyAdd(v + j * ldv + c, p[q * ldp + j], o + q * ldo + c, k - c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector512<float> acc, float* w, float* x, int k16, int k)
    {
        float s = Sum(acc);
        for (int c = k16; c < k; c++) s = MathF.FusedMultiplyAdd(w[c], x[c], s);
        return s;
    }

    /// <summary><see cref="Sum(Vector512{float})"/> of four accumulators at once, into y[0..3]: the same additions on
    /// the same lanes in the same order (so the same bits), done as vectors across the four (~14 instructions
    /// instead of ~40): halves of a0, a1 (and a2, a3) paired by 128-bit shuffles and added, then the quarters of all
    /// four, then (l0 + l2) and (l1 + l3) within each 128-bit lane and their sum. Attention's 4-key tiles over a
    /// 64-dim head spend more on the reductions than on the dots.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sum4(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, float* y)
    {
        // [a0.lo256 + a0.hi256, a1.lo256 + a1.hi256] and the same for a2, a3
        var b01 = Avx512F.Shuffle4x128(a0, a1, 0b01_00_01_00) + Avx512F.Shuffle4x128(a0, a1, 0b11_10_11_10);
        var b23 = Avx512F.Shuffle4x128(a2, a3, 0b01_00_01_00) + Avx512F.Shuffle4x128(a2, a3, 0b11_10_11_10);
        // [h0, h1, h2, h3], h = lo128 + hi128 of each b
        var h = Avx512F.Shuffle4x128(b01, b23, 0b10_00_10_00) + Avx512F.Shuffle4x128(b01, b23, 0b11_01_11_01);
        // per lane of 4: p0 = l0 + l2, p1 = l1 + l3, then p0 + p1
        var p = h + Avx512F.Permute4x32(h, 0b01_00_11_10);
        var q = p + Avx512F.Permute4x32(p, 0b10_11_00_01);
        Avx512F.PermuteVar16x32(q, Vector512.Create(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).GetLower().GetLower().Store(y);
    }

    /// <summary>The one horizontal sum: halves, then quarters, then (l0 + l2) + (l1 + l3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> v) => DotTiles256.Sum(v.GetLower() + v.GetUpper());
}
