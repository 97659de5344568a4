using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>The VNNI tile for K-quant batches: 4 weight rows × 8 tokens, tokens in the lanes. The
/// rows' quants (unsigned, unpacked once per panel by <see cref="KQuantPanel"/>) are broadcast 4 bytes
/// at a time against 8 packed Q8_K tokens (vpdpbusd), giving each group of 16's integer dot per token
/// exactly; S1 = Σ s·dot (vpmulld), S2 = Σ o·Σx from the packed group sums in pairs (vpmaddwd), then
/// per super-block the same two fused multiply-adds as <see cref="KQuantDot{T}"/>, lane by lane, so a
/// token's result equals its result from the other tiles.</summary>
internal static unsafe class KQuantGemm
{
    /// <param name="xp">The group's packed quants: [cols/4, 8 tokens, 4].</param>
    /// <param name="dx">The group's super-block scales: [nb, 8].</param>
    /// <param name="sums">The group's sums in pairs: [nb, 8 pairs, 8 tokens, 2].</param>
    /// <param name="y">y[token · ldy + row] for the 8 tokens and 4 rows.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vnni4x8(KQuantPanel p, int cols, sbyte* xp, float* dx, short* sums, float* y, nint ldy)
    {
        int nb = cols / 256;
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        for (int b = 0; b < nb; b++)
        {
            byte* q0 = p.Q + b * 256, q1 = q0 + cols, q2 = q1 + cols, q3 = q2 + cols;
            int* s0 = p.S + b * 16, s1 = s0 + nb * 16, s2 = s1 + nb * 16, s3 = s2 + nb * 16;
            sbyte* xb = xp + (long)b * 256 * 8;
            Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
            // two groups of 16 at a time: 8 independent vpdpbusd chains hide its latency
            for (int g = 0; g < 16; g += 2)
            {
                Vector256<int> i0 = default, i1 = default, i2 = default, i3 = default;
                Vector256<int> j0 = default, j1 = default, j2 = default, j3 = default;
                int k0 = 16 * g, k1 = k0 + 16;
                Step(q0, q1, q2, q3, xb, k0, ref i0, ref i1, ref i2, ref i3);
                Step(q0, q1, q2, q3, xb, k1, ref j0, ref j1, ref j2, ref j3);
                Step(q0, q1, q2, q3, xb, k0 + 4, ref i0, ref i1, ref i2, ref i3);
                Step(q0, q1, q2, q3, xb, k1 + 4, ref j0, ref j1, ref j2, ref j3);
                Step(q0, q1, q2, q3, xb, k0 + 8, ref i0, ref i1, ref i2, ref i3);
                Step(q0, q1, q2, q3, xb, k1 + 8, ref j0, ref j1, ref j2, ref j3);
                Step(q0, q1, q2, q3, xb, k0 + 12, ref i0, ref i1, ref i2, ref i3);
                Step(q0, q1, q2, q3, xb, k1 + 12, ref j0, ref j1, ref j2, ref j3);
                a0 += i0 * Vector256.Create(s0[g]) + j0 * Vector256.Create(s0[g + 1]);
                a1 += i1 * Vector256.Create(s1[g]) + j1 * Vector256.Create(s1[g + 1]);
                a2 += i2 * Vector256.Create(s2[g]) + j2 * Vector256.Create(s2[g + 1]);
                a3 += i3 * Vector256.Create(s3[g]) + j3 * Vector256.Create(s3[g + 1]);
            }
            short* sb = sums + b * 128;
            var dy = Vector256.Load(dx + b * 8);
            f0 = Accumulate(f0, a0, Offsets(p.O + b * 8, sb), p.D[b], p.Dm[b], dy);
            f1 = Accumulate(f1, a1, Offsets(p.O + (nb + b) * 8, sb), p.D[nb + b], p.Dm[nb + b], dy);
            f2 = Accumulate(f2, a2, Offsets(p.O + (2 * nb + b) * 8, sb), p.D[2 * nb + b], p.Dm[2 * nb + b], dy);
            f3 = Accumulate(f3, a3, Offsets(p.O + (3 * nb + b) * 8, sb), p.D[3 * nb + b], p.Dm[3 * nb + b], dy);
        }
        for (int t = 0; t < 8; t++)
        {
            float* yt = y + t * ldy;
            yt[0] = f0.GetElement(t); yt[1] = f1.GetElement(t); yt[2] = f2.GetElement(t); yt[3] = f3.GetElement(t);
        }
    }

    /// <summary>Values k..k+3 of the 4 rows against the 8 tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(byte* q0, byte* q1, byte* q2, byte* q3, sbyte* xb, int k,
        ref Vector256<int> i0, ref Vector256<int> i1, ref Vector256<int> i2, ref Vector256<int> i3)
    {
        var x = Vector256.Load(xb + k * 8);
        i0 = AvxVnni.MultiplyWideningAndAdd(i0, Vector256.Create(*(int*)(q0 + k)).AsByte(), x);
        i1 = AvxVnni.MultiplyWideningAndAdd(i1, Vector256.Create(*(int*)(q1 + k)).AsByte(), x);
        i2 = AvxVnni.MultiplyWideningAndAdd(i2, Vector256.Create(*(int*)(q2 + k)).AsByte(), x);
        i3 = AvxVnni.MultiplyWideningAndAdd(i3, Vector256.Create(*(int*)(q3 + k)).AsByte(), x);
    }

    /// <summary>S2 per token: Σ over the 8 pairs of (o₂ⱼ, o₂ⱼ₊₁)·(Σx₂ⱼ, Σx₂ⱼ₊₁).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Offsets(int* pairs, short* sums)
    {
        var m = Vector256<int>.Zero;
        for (int j = 0; j < 8; j++) m += Avx2.MultiplyAddAdjacent(Vector256.Create(pairs[j]).AsInt16(), Vector256.Load(sums + j * 16));
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate(Vector256<float> f, Vector256<int> s1, Vector256<int> s2, float d, float dm, Vector256<float> dy)
    {
        f = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(s1), Vector256.Create(d) * dy, f);
        return Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(s2), -(Vector256.Create(dm) * dy), f);
    }
}

/// <summary>A 4-row K-quant panel unpacked for <see cref="KQuantGemm"/>: unsigned quants in value
/// order, group scales, offsets in int16 pairs, d and dm per super-block. Per thread, grown to the
/// widest matrix seen, pinned.</summary>
internal sealed unsafe class KQuantPanel
{
    public const int Rows = 4;
    [ThreadStatic] private static KQuantPanel? t_current;

    private readonly int[] _memory;
    private readonly int _cols;
    /// <summary>[4, cols] quants.</summary>
    public byte* Q { get; }
    /// <summary>[4, nb, 16] group scales.</summary>
    public int* S { get; }
    /// <summary>[4, nb, 8] group offsets, pair j as (ushort)o₂ⱼ | o₂ⱼ₊₁ &lt;&lt; 16.</summary>
    public int* O { get; }
    /// <summary>[4, nb] super-block scales d and dm.</summary>
    public float* D { get; }
    public float* Dm { get; }

    private KQuantPanel(int cols)
    {
        _cols = cols;
        int nb = cols / 256;
        _memory = GC.AllocateUninitializedArray<int>(Rows * cols / 4 + Rows * nb * (16 + 8 + 2), pinned: true);
        int* p = (int*)Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_memory));
        Q = (byte*)p; p += Rows * cols / 4;
        S = p; p += Rows * nb * 16;
        O = p; p += Rows * nb * 8;
        D = (float*)p; p += Rows * nb;
        Dm = (float*)p;
    }

    /// <summary>This thread's panel, for rows of at least <paramref name="cols"/> values.</summary>
    public static KQuantPanel For(int cols)
    {
        if (t_current is null || t_current._cols < cols) t_current = new KQuantPanel(cols);
        return t_current;
    }

    /// <summary>Unpacks the 4 rows at <paramref name="rows"/> (stride rowBytes), cols values each.
    /// The row stride inside the panel is this call's cols.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Unpack<T>(byte* rows, int rowBytes, int cols) where T : struct, IKQuantFormat
    {
        int nb = cols / 256;
        for (int b = 0; b < nb; b++)
        {
            var d = T.Scales4(rows + (long)b * T.BlockBytes, rowBytes);   // the 4 rows' d, then their dm
            for (int r = 0; r < Rows; r++)
            {
                D[r * nb + b] = d.GetElement(r);
                Dm[r * nb + b] = d.GetElement(4 + r);
            }
        }
        for (int r = 0; r < Rows; r++)
            for (int b = 0; b < nb; b++)
            {
                byte* block = rows + (long)r * rowBytes + (long)b * T.BlockBytes;
                T.GroupScales(block, out var s, out var o);
                int* sg = S + (r * nb + b) * 16;
                Avx2.ConvertToVector256Int32(s.GetLower()).Store(sg);
                Avx2.ConvertToVector256Int32(s.GetUpper()).Store(sg + 8);
                // pair j = (ushort)o[2j] | o[2j+1] << 16: the 16 int16 lanes read as 8 int32 lanes
                o.AsInt32().Store(O + (r * nb + b) * 8);
                byte* q = Q + (long)r * cols + b * 256;
                for (int c = 0; c < 4; c++)
                {
                    T.Quants(block, c, out var first, out var second);
                    first.Store(q + 64 * c);
                    second.Store(q + 64 * c + 32);
                }
            }
    }
}
