using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>AVX2 tiles: 8-lane accumulators, k in steps of 8, then <see cref="Sum"/>; the k % 8
/// tail is added after the reduction in ascending order.</summary>
internal readonly unsafe struct DotTiles256 : IDotTiles
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4x4(float* w, nint ldw, float* x, nint ldx, int k, float* y, nint ldy)
    {
        // 4 tokens in two passes of 2 keep the 8 accumulators, 4 row vectors and a token vector
        // inside the 16 ymm registers.
        Tile4x2(w, ldw, x, ldx, k, y, ldy);
        Tile4x2(w, ldw, x + 2 * ldx, ldx, k, y + 2 * ldy, ldy);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x2(float* w, nint ldw, float* x, nint ldx, int k, float* y, nint ldy)
    {
        float* w0 = w, w1 = w + ldw, w2 = w + 2 * ldw, w3 = w + 3 * ldw;
        float* x0 = x, x1 = x + ldx;
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
        int k8 = k & ~7;
        for (int c = 0; c < k8; c += 8)
        {
            var r0 = Vector256.Load(w0 + c);
            var r1 = Vector256.Load(w1 + c);
            var r2 = Vector256.Load(w2 + c);
            var r3 = Vector256.Load(w3 + c);
            var t = Vector256.Load(x0 + c);
            a00 = Vector256.FusedMultiplyAdd(r0, t, a00); a10 = Vector256.FusedMultiplyAdd(r1, t, a10);
            a20 = Vector256.FusedMultiplyAdd(r2, t, a20); a30 = Vector256.FusedMultiplyAdd(r3, t, a30);
            t = Vector256.Load(x1 + c);
            a01 = Vector256.FusedMultiplyAdd(r0, t, a01); a11 = Vector256.FusedMultiplyAdd(r1, t, a11);
            a21 = Vector256.FusedMultiplyAdd(r2, t, a21); a31 = Vector256.FusedMultiplyAdd(r3, t, a31);
        }
        float* y0 = y, y1 = y + ldy;
        y0[0] = Finish(a00, w0, x0, k8, k); y0[1] = Finish(a10, w1, x0, k8, k); y0[2] = Finish(a20, w2, x0, k8, k); y0[3] = Finish(a30, w3, x0, k8, k);
        y1[0] = Finish(a01, w0, x1, k8, k); y1[1] = Finish(a11, w1, x1, k8, k); y1[2] = Finish(a21, w2, x1, k8, k); y1[3] = Finish(a31, w3, x1, k8, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4x1(float* w, nint ldw, float* x, int k, float* y, float* prefetch)
    {
        float* w0 = w, w1 = w + ldw, w2 = w + 2 * ldw, w3 = w + 3 * ldw;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k8 = k & ~7;
        for (int c = 0; c < k8; c += 8)
        {
            if ((c & 15) == 0)
            {
                Sse.Prefetch0(prefetch + c); Sse.Prefetch0(prefetch + ldw + c); Sse.Prefetch0(prefetch + 2 * ldw + c); Sse.Prefetch0(prefetch + 3 * ldw + c);
            }
            var t = Vector256.Load(x + c);
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w0 + c), t, a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w1 + c), t, a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Load(w2 + c), t, a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.Load(w3 + c), t, a3);
        }
        y[0] = Finish(a0, w0, x, k8, k);
        y[1] = Finish(a1, w1, x, k8, k);
        y[2] = Finish(a2, w2, x, k8, k);
        y[3] = Finish(a3, w3, x, k8, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q8Tile4x1(byte* w, int rowBytes, float* x, int k, float* y, float* scratch)
    {
        int nb = k / 32;
        for (int r = 0; r < 4; r++) RowConverter.BlockScales(w + (long)r * rowBytes, nb, scratch + r * nb);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < nb; b++)
        {
            sbyte* q = (sbyte*)(w + b * 34 + 2);
            for (int j = 0; j < 32; j += 8)
            {
                var t = Vector256.Load(x + b * 32 + j);
                a0 = Vector256.FusedMultiplyAdd(Widen(q + j, scratch[b]), t, a0);
                a1 = Vector256.FusedMultiplyAdd(Widen(q + rowBytes + j, scratch[nb + b]), t, a1);
                a2 = Vector256.FusedMultiplyAdd(Widen(q + 2 * rowBytes + j, scratch[2 * nb + b]), t, a2);
                a3 = Vector256.FusedMultiplyAdd(Widen(q + 3 * rowBytes + j, scratch[3 * nb + b]), t, a3);
            }
        }
        y[0] = Sum(a0); y[1] = Sum(a1); y[2] = Sum(a2); y[3] = Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen(sbyte* q, float d) => Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q)) * Vector256.Create(d);

    public static bool F16Scaled => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool F16ScaledTile4x1(ushort* w, nint ldw, float* x, int k, float* y)
    {
        ushort* w0 = w, w1 = w + ldw, w2 = w + 2 * ldw, w3 = w + 3 * ldw;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector128<ushort> top = default;
        for (int c = 0; c < k; c += 8)
        {
            var t = Vector256.Load(x + c);
            a0 = Vector256.FusedMultiplyAdd(HalfWidener.Placed8(w0 + c), t, a0);
            a1 = Vector256.FusedMultiplyAdd(HalfWidener.Placed8(w1 + c), t, a1);
            a2 = Vector256.FusedMultiplyAdd(HalfWidener.Placed8(w2 + c), t, a2);
            a3 = Vector256.FusedMultiplyAdd(HalfWidener.Placed8(w3 + c), t, a3);
            top = Vector128.Max(top, Vector128.Max(Vector128.Max(HalfWidener.Doubled8(w0 + c), HalfWidener.Doubled8(w1 + c)),
                Vector128.Max(HalfWidener.Doubled8(w2 + c), HalfWidener.Doubled8(w3 + c))));
        }
        y[0] = Sum(a0); y[1] = Sum(a1); y[2] = Sum(a2); y[3] = Sum(a3);
        return !HalfWidener.AnySpecial(top);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool F16ScaledMultiplyAddRows(ushort* v, nint ldv, int rows, float* p, float* o, int k)
    {
        Vector128<ushort> top = default;
        int c = 0;
        for (; c + 32 <= k; c += 32)
        {
            Vector256<float> a0 = Vector256.Load(o + c), a1 = Vector256.Load(o + c + 8), a2 = Vector256.Load(o + c + 16), a3 = Vector256.Load(o + c + 24);
            for (int j = 0; j < rows; j++)
            {
                ushort* vj = v + j * ldv + c;
                var s = Vector256.Create(p[j] * HalfWidener.Rebias);
                a0 = Vector256.FusedMultiplyAdd(HalfWidener.Placed8(vj), s, a0);
                a1 = Vector256.FusedMultiplyAdd(HalfWidener.Placed8(vj + 8), s, a1);
                a2 = Vector256.FusedMultiplyAdd(HalfWidener.Placed8(vj + 16), s, a2);
                a3 = Vector256.FusedMultiplyAdd(HalfWidener.Placed8(vj + 24), s, a3);
                top = Vector128.Max(top, Vector128.Max(Vector128.Max(HalfWidener.Doubled8(vj), HalfWidener.Doubled8(vj + 8)),
                    Vector128.Max(HalfWidener.Doubled8(vj + 16), HalfWidener.Doubled8(vj + 24))));
            }
            a0.Store(o + c); a1.Store(o + c + 8); a2.Store(o + c + 16); a3.Store(o + c + 24);
        }
        for (; c < k; c += 8)
        {
            var a = Vector256.Load(o + c);
            for (int j = 0; j < rows; j++)
            {
                a = Vector256.FusedMultiplyAdd(HalfWidener.Placed8(v + j * ldv + c), Vector256.Create(p[j] * HalfWidener.Rebias), a);
                top = Vector128.Max(top, HalfWidener.Doubled8(v + j * ldv + c));
            }
            a.Store(o + c);
        }
        return !HalfWidener.AnySpecial(top);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void F16MultiplyAddRows(ushort* v, nint ldv, int rows, float* p, float* o, int k, float* scratch)
    {
        int c = 0;
        for (; c + 32 <= k; c += 32)
        {
            Vector256<float> a0 = Vector256.Load(o + c), a1 = Vector256.Load(o + c + 8), a2 = Vector256.Load(o + c + 16), a3 = Vector256.Load(o + c + 24);
            for (int j = 0; j < rows; j++)
            {
                ushort* vj = v + j * ldv + c;
                var s = Vector256.Create(p[j]);
                a0 = Vector256.FusedMultiplyAdd(HalfWidener.Widen8(vj), s, a0);
                a1 = Vector256.FusedMultiplyAdd(HalfWidener.Widen8(vj + 8), s, a1);
                a2 = Vector256.FusedMultiplyAdd(HalfWidener.Widen8(vj + 16), s, a2);
                a3 = Vector256.FusedMultiplyAdd(HalfWidener.Widen8(vj + 24), s, a3);
            }
            a0.Store(o + c); a1.Store(o + c + 8); a2.Store(o + c + 16); a3.Store(o + c + 24);
        }
        for (; c + 8 <= k; c += 8)
        {
            var a = Vector256.Load(o + c);
            for (int j = 0; j < rows; j++) a = Vector256.FusedMultiplyAdd(HalfWidener.Widen8(v + j * ldv + c), Vector256.Create(p[j]), a);
            a.Store(o + c);
        }
        for (; c < k; c++)
            for (int j = 0; j < rows; j++) o[c] = MathF.FusedMultiplyAdd(HalfWidener.ToSingle(v[j * ldv + c]), p[j], o[c]);
    }

    /// <summary>F16 weight rows in natural order on this path.</summary>
    public static bool F16Pairs => false;

    public static void F16WeightTile4x1(ushort* w, nint ldw, float* x, int k, float* y, float* scratch) => F16Tile4x1(w, ldw, x, k, y, scratch);

    public static bool PairsPanels => false;

    public static void F16WeightTile4x2(ushort* w, nint ldw, float* x0, float* x1, int k, float* y0, float* y1, float* scratch)
    {
        F16Tile4x1(w, ldw, x0, k, y0, scratch);
        F16Tile4x1(w, ldw, x1, k, y1, scratch);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void F16Tile4x1(ushort* w, nint ldw, float* x, int k, float* y, float* scratch)
    {
        ushort* w0 = w, w1 = w + ldw, w2 = w + 2 * ldw, w3 = w + 3 * ldw;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k8 = k & ~7;
        for (int c = 0; c < k8; c += 8)
        {
            var t = Vector256.Load(x + c);
            a0 = Vector256.FusedMultiplyAdd(HalfWidener.Widen8(w0 + c), t, a0);
            a1 = Vector256.FusedMultiplyAdd(HalfWidener.Widen8(w1 + c), t, a1);
            a2 = Vector256.FusedMultiplyAdd(HalfWidener.Widen8(w2 + c), t, a2);
            a3 = Vector256.FusedMultiplyAdd(HalfWidener.Widen8(w3 + c), t, a3);
        }
        y[0] = FinishHalf(a0, w0, x, k8, k);
        y[1] = FinishHalf(a1, w1, x, k8, k);
        y[2] = FinishHalf(a2, w2, x, k8, k);
        y[3] = FinishHalf(a3, w3, x, k8, k);
    }

    /// <summary><see cref="Finish"/> with the k % 8 tail read from F16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FinishHalf(Vector256<float> acc, ushort* w, float* x, int k8, int k)
    {
        float s = Sum(acc);
        for (int c = k8; c < k; c++) s = MathF.FusedMultiplyAdd(HalfWidener.ToSingle(w[c]), x[c], s);
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* w, float* x, int k)
    {
        Vector256<float> a = default;
        int k8 = k & ~7;
        for (int c = 0; c < k8; c += 8) a = Vector256.FusedMultiplyAdd(Vector256.Load(w + c), Vector256.Load(x + c), a);
        return Finish(a, w, x, k8, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(float* v, float s, float* o, int k)
    {
        var vs = Vector256.Create(s);
        int c = 0;
        for (; c + 8 <= k; c += 8) Vector256.FusedMultiplyAdd(Vector256.Load(v + c), vs, Vector256.Load(o + c)).Store(o + c);
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
            for (; c + 16 <= k; c += 16)
            {
                Vector256<float> a0 = Vector256.Load(o0 + c), b0 = Vector256.Load(o0 + c + 8), a1 = Vector256.Load(o1 + c), b1 = Vector256.Load(o1 + c + 8);
                Vector256<float> a2 = Vector256.Load(o2 + c), b2 = Vector256.Load(o2 + c + 8), a3 = Vector256.Load(o3 + c), b3 = Vector256.Load(o3 + c + 8);
                for (int j = 0; j < rows; j++)
                {
                    float* vj = v + j * ldv + c;
                    var va = Vector256.Load(vj);
                    var vb = Vector256.Load(vj + 8);
                    var s = Vector256.Create(p0[j]); a0 = Vector256.FusedMultiplyAdd(va, s, a0); b0 = Vector256.FusedMultiplyAdd(vb, s, b0);
                    s = Vector256.Create(p1[j]); a1 = Vector256.FusedMultiplyAdd(va, s, a1); b1 = Vector256.FusedMultiplyAdd(vb, s, b1);
                    s = Vector256.Create(p2[j]); a2 = Vector256.FusedMultiplyAdd(va, s, a2); b2 = Vector256.FusedMultiplyAdd(vb, s, b2);
                    s = Vector256.Create(p3[j]); a3 = Vector256.FusedMultiplyAdd(va, s, a3); b3 = Vector256.FusedMultiplyAdd(vb, s, b3);
                }
                a0.Store(o0 + c); b0.Store(o0 + c + 8); a1.Store(o1 + c); b1.Store(o1 + c + 8);
                a2.Store(o2 + c); b2.Store(o2 + c + 8); a3.Store(o3 + c); b3.Store(o3 + c + 8);
            }
        }
        else if (queries == 1)
        {
            for (; c + 32 <= k; c += 32)
            {
                Vector256<float> a0 = Vector256.Load(o + c), a1 = Vector256.Load(o + c + 8), a2 = Vector256.Load(o + c + 16), a3 = Vector256.Load(o + c + 24);
                for (int j = 0; j < rows; j++)
                {
                    float* vj = v + j * ldv + c;
                    var s = Vector256.Create(p[j]);
                    a0 = Vector256.FusedMultiplyAdd(Vector256.Load(vj), s, a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.Load(vj + 8), s, a1);
                    a2 = Vector256.FusedMultiplyAdd(Vector256.Load(vj + 16), s, a2);
                    a3 = Vector256.FusedMultiplyAdd(Vector256.Load(vj + 24), s, a3);
                }
                a0.Store(o + c); a1.Store(o + c + 8); a2.Store(o + c + 16); a3.Store(o + c + 24);
            }
        }
        if (c < k)
            for (int q = 0; q < queries; q++)
                for (int j = 0; j < rows; j++) MultiplyAdd(v + j * ldv + c, p[q * ldp + j], o + q * ldo + c, k - c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector256<float> acc, float* w, float* x, int k8, int k)
    {
        float s = Sum(acc);
        for (int c = k8; c < k; c++) s = MathF.FusedMultiplyAdd(w[c], x[c], s);
        return s;
    }

    /// <summary>The one horizontal sum: halves, then (l0 + l2) + (l1 + l3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> v)
    {
        var h = v.GetLower() + v.GetUpper();
        return (h.GetElement(0) + h.GetElement(2)) + (h.GetElement(1) + h.GetElement(3));
    }
}
