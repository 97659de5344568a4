using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>Which integer kernel a Q8_0 × Q8 product runs.</summary>
internal enum Q8Kernel { Scalar, Avx2, Vnni }

/// <summary>y[n, rows] = Q8_0 weights (rows, or the <see cref="TensorType.Q8_0x8"/> panel layout) · quantised
/// activations, split into panels of 8 rows; a work item is a panel (for one token over the panel layout, two panels half
/// the matrix apart, side by side: <see cref="Q8PanelDot.Vnni8Pair"/>). Per panel the block scales are widened once; whole groups
/// of 8 tokens go through the VNNI tile, the remaining tokens of a panel-layout matrix four and then two at a time
/// through <see cref="Q8PanelDot.Vnni8x4"/> and <see cref="Q8PanelDot.Vnni8x2"/>, the rest (and every token without
/// VNNI) through the one-token kernel. All run the same per-block sequence, so results do not depend on n.</summary>
internal sealed unsafe class Q8MatMulWork(Q8Kernel kernel) : IParallelWork
{
    private WeightMatrix _w;
    private ActivationQuantizer _x = null!;
    private float* _y; // [n, rows]
    private int _n;

    public static int Panels(int rows) => (rows + Q8Dot.PanelRows - 1) / Q8Dot.PanelRows;

    /// <summary>Work items of the product last <see cref="Set"/>: its panels, or for one token over a panel-layout matrix
    /// half as many, item i taking panels i and i + Items side by side (<see cref="Q8PanelDot.Vnni8Pair"/>).</summary>
    public int Items => _paired ? (Panels(_w.Rows) + 1) / 2 : Panels(_w.Rows);

    private bool _paired;

    public void Set(in WeightMatrix w, ActivationQuantizer x, float* y, int n)
    {
        _w = w; _x = x; _y = y; _n = n;
        _paired = n == 1 && w.Type == TensorType.Q8_0x8 && kernel == Q8Kernel.Vnni;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int begin, int end)
    {
        if (_paired)
        {
            RunPaired(begin, end);
            return;
        }
        int nb = _w.Cols / 32, rows = _w.Rows, rowBytes = _w.RowBytes;
        var scratch = PanelScratch.For(nb);
        for (int p = begin; p < end; p++)
        {
            int r0 = p * Q8Dot.PanelRows, count = Math.Min(Q8Dot.PanelRows, rows - r0);
            byte* w = _w.Data + (long)r0 * rowBytes;
            // panels: the batch tiles request the next panel as they go; rows: one burst a few panels ahead
            bool panels = _w.Type == TensorType.Q8_0x8;
            if (_n >= ActivationQuantizer.Group && !panels) Prefetcher.Rows(_w, r0 + Q8Dot.PrefetchPanels * Q8Dot.PanelRows, Q8Dot.PanelRows);
            byte* ahead = panels && r0 + Q8Dot.PanelRows < rows ? w + Q8Dot.PanelRows * rowBytes : null;
            if (_w.Type == TensorType.Q8_0x8) Panel<Q8PanelLayout>(kernel, w, rowBytes, count, _x, _y + r0, rows, _n, scratch, ahead);
            else Panel<Q8RowLayout>(kernel, w, rowBytes, count, _x, _y + r0, rows, _n, scratch);
        }
    }

    /// <summary>Items [begin, end) of a one-token product in pairs: panel i beside panel i + half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunPaired(int begin, int end)
    {
        int nb = _w.Cols / 32, rows = _w.Rows, rowBytes = _w.RowBytes, half = Items, panels = Panels(rows);
        var scratch = PanelScratch.For(nb);
        for (int i = begin; i < end; i++)
        {
            int ra = i * Q8Dot.PanelRows, rb = (i + half) * Q8Dot.PanelRows;
            byte* wa = _w.Data + (long)ra * rowBytes;
            if (i + half < panels)
                Q8PanelDot.Vnni8Pair(wa, _w.Data + (long)rb * rowBytes, nb, _x.Q, _x.D, _x.Sum, _y + ra, _y + rb);
            else Panel<Q8PanelLayout>(kernel, wa, rowBytes, Q8Dot.PanelRows, _x, _y + ra, rows, 1, scratch);
        }
    }

    /// <summary>The rows [r0, r0 + count) at w (a panel in layout TL, Q8_0 rows of rowBytes; count ≤ 8) against every
    /// token: y[t·ldy + r] for r &lt; count. Also the Q4_0 batch path, on Q4_0 panels rewritten as Q8_0 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Panel<TL>(Q8Kernel kernel, byte* w, int rowBytes, int count, ActivationQuantizer x, float* y, nint ldy, int n, PanelScratch scratch, byte* ahead = null)
        where TL : struct, IQ8Layout
    {
        int nb = x.Blocks, cols = nb * 32;
        int t = 0;
        if (count == Q8Dot.PanelRows && kernel == Q8Kernel.Vnni && n >= ActivationQuantizer.Group)
        {
            for (int b = 0; b < nb; b++) TL.Scales8(w, rowBytes, b).Store(scratch.DwT + b * 8);
            int groups = n / ActivationQuantizer.Group;
            for (int g = 0; g < groups;)
            {
                // two groups at a time where the CPU has the registers for it (AVX-512: 32 of them)
                bool two = Avx512F.VL.IsSupported && g + 2 <= groups;
                sbyte* xp = x.Packed + (long)g * nb * 256;
                float* dx = x.PackedD + (long)g * nb * 8;
                int* corr = x.PackedCorrection + (long)g * nb * 8;
                if (!two && Avx512F.VL.IsSupported)
                {
                    // one group: all 8 rows in one tile (8 independent chains)
                    Q8Gemm.Vnni8x8<TL>(w, rowBytes, nb, xp, dx, corr, scratch.DwT, y + (long)g * ActivationQuantizer.Group * ldy, ldy, g == 0 ? ahead : null);
                    g++;
                    continue;
                }
                for (int r0 = 0; r0 < Q8Dot.PanelRows; r0 += 4)
                {
                    float* yt = y + (long)g * ActivationQuantizer.Group * ldy + r0;
                    if (two) Q8Gemm.Vnni4x16<TL>(w, rowBytes, nb, xp, dx, corr, scratch.DwT, r0, yt, ldy, g == 0 && r0 == 0 ? ahead : null);
                    else Q8Gemm.Vnni4x8<TL>(w, rowBytes, nb, xp, dx, corr, scratch.DwT, r0, yt, ldy);
                }
                g += two ? 2 : 1;
            }
            t = groups * ActivationQuantizer.Group;
        }
        // tokens left over (a few sequences decoding): four, then two, at a time through the panel kernels
        if (TL.FourTokens && count == Q8Dot.PanelRows && kernel == Q8Kernel.Vnni)
        {
            for (; t + 4 <= n; t += 4)
                Q8PanelDot.Vnni8x4(w, nb, x.Q + (long)t * cols, x.D + (long)t * nb, x.Sum + (long)t * nb, y + t * ldy, ldy);
            if (t + 2 <= n)
            {
                Q8PanelDot.Vnni8x2(w, nb, x.Q + (long)t * cols, x.D + (long)t * nb, x.Sum + (long)t * nb, y + t * ldy, ldy);
                t += 2;
            }
        }
        float* yPanel = scratch.Y;
        for (; t < n; t++)
        {
            sbyte* q = x.Q + (long)t * cols;
            float* d = x.D + (long)t * nb;
            int* sum = x.Sum + (long)t * nb;
            TL.Decode(kernel, w, rowBytes, count, nb, q, d, sum, yPanel);
            new ReadOnlySpan<float>(yPanel, count).CopyTo(new Span<float>(y + t * ldy, count));
        }
    }
}

/// <summary>Per-thread scratch of an 8-row Q8_0 panel: dwT [nb, 8] block scales, y [8]; pinned, grown to
/// the widest matrix seen.</summary>
internal sealed unsafe class PanelScratch
{
    [ThreadStatic] private static PanelScratch? t_current;

    private readonly float[] _memory;
    public float* DwT { get; }
    public float* Y { get; }
    private readonly int _blocks;

    private PanelScratch(int blocks)
    {
        _blocks = blocks;
        _memory = GC.AllocateUninitializedArray<float>(blocks * 8 + 8, pinned: true);
        float* p = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_memory));
        DwT = p;
        Y = p + blocks * 8;
    }

    /// <summary>This thread's scratch, for rows of at least <paramref name="blocks"/> blocks.</summary>
    public static PanelScratch For(int blocks)
    {
        if (t_current is null || t_current._blocks < blocks) t_current = new PanelScratch(blocks);
        return t_current;
    }
}
