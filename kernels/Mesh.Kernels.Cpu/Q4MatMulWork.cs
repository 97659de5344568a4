using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mesh.Kernels.Cpu;

/// <summary>y[n, rows] = Q4_0 weights · Q8 activations, split into panels of 8 rows; a work item is a
/// panel. A few tokens run the one-token Q4_0 kernel against the panel while it sits in L1. A batch of
/// 8 or more on VNNI rewrites the panel once as Q8_0 blocks of w − 8 (same scales) and runs the Q8_0
/// batch tile on it: the same integer per block and the same fused multiply-add, so a token's result
/// is the same bits either way and does not depend on n.</summary>
internal sealed unsafe class Q4MatMulWork(Q8Kernel kernel) : IParallelWork
{
    [ThreadStatic] private static byte[]? t_q8Panel;

    private WeightMatrix _w;
    private ActivationQuantizer _x = null!;
    private float* _y; // [n, rows]
    private int _n;

    public static int Panels(int rows) => (rows + Q4Dot.PanelRows - 1) / Q4Dot.PanelRows;

    /// <summary>Whether a batch of <paramref name="n"/> tokens takes the Q8_0 tile (and so needs the
    /// activations packed).</summary>
    public bool Batches(int n) => kernel == Q8Kernel.Vnni && n >= ActivationQuantizer.Group;

    public void Set(in WeightMatrix w, ActivationQuantizer x, float* y, int n) { _w = w; _x = x; _y = y; _n = n; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int begin, int end)
    {
        int nb = _w.Cols / 32, rows = _w.Rows, rowBytes = _w.RowBytes;
        var scratch = PanelScratch.For(nb);
        int q8RowBytes = nb * Q8Dot.BlockBytes;
        if (t_q8Panel is null || t_q8Panel.Length < Q4Dot.PanelRows * q8RowBytes)
            t_q8Panel = GC.AllocateUninitializedArray<byte>(Q4Dot.PanelRows * q8RowBytes, pinned: true);
        byte* q8Panel = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(t_q8Panel));
        for (int p = begin; p < end; p++)
        {
            int r0 = p * Q4Dot.PanelRows, count = Math.Min(Q4Dot.PanelRows, rows - r0);
            byte* w = _w.Data + (long)r0 * rowBytes;
            Prefetcher.Rows(_w, r0 + Q8Dot.PrefetchPanels * Q4Dot.PanelRows, Q4Dot.PanelRows);
            if (count == Q4Dot.PanelRows && Batches(_n))
            {
                for (int r = 0; r < count; r++) ToQ8(w + (long)r * rowBytes, q8Panel + (long)r * q8RowBytes, nb);
                Q8MatMulWork.Panel<Q8RowLayout>(kernel, q8Panel, q8RowBytes, count, _x, _y + r0, rows, _n, scratch);
                continue;
            }
            for (int t = 0; t < _n; t++)
            {
                sbyte* q = _x.Q + (long)t * _w.Cols;
                float* d = _x.D + (long)t * nb;
                int* sum = _x.Sum + (long)t * nb;
                if (count == Q4Dot.PanelRows && kernel == Q8Kernel.Vnni) Q4Dot.Vnni8(w, rowBytes, nb, q, d, sum, scratch.Y);
                else if (count == Q4Dot.PanelRows && kernel == Q8Kernel.Avx2) Q4Dot.Avx2x8(w, rowBytes, nb, q, d, sum, scratch.Y);
                else Q4Dot.Scalar(w, rowBytes, count, nb, q, d, sum, scratch.Y);
                new ReadOnlySpan<float>(scratch.Y, count).CopyTo(new Span<float>(_y + (long)t * rows + r0, count));
            }
        }
    }

    /// <summary>One Q4_0 row as Q8_0 blocks: the same half scale, then the 32 values' q − 8 as int8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ToQ8(byte* src, byte* dst, int nb)
    {
        var eight = Vector256.Create((byte)8);
        for (int b = 0; b < nb; b++)
        {
            byte* s = src + b * Q4Dot.BlockBytes, o = dst + b * Q8Dot.BlockBytes;
            *(ushort*)o = *(ushort*)s;
            (Q4Dot.Nibbles(s + 2) - eight).Store(o + 2);
        }
    }
}
