using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mesh.Kernels.Cpu;

/// <summary>Which integer kernel a Q8_0 × Q8 product runs.</summary>
internal enum Q8Kernel { Scalar, Avx2, Vnni }

/// <summary>y[n, rows] = Q8_0 weights · quantised activations, split into panels of 8 rows; a work item
/// is a panel. Per panel the block scales are widened once (and Σw computed for batches); whole groups
/// of 8 tokens go through the VNNI tile, the remaining tokens (and every token without VNNI) through
/// the one-token kernel. Both run the same per-block sequence, so results do not depend on n.</summary>
internal sealed unsafe class Q8MatMulWork(Q8Kernel kernel) : IParallelWork
{
    [ThreadStatic] private static float[]? t_scratch;

    private WeightMatrix _w;
    private ActivationQuantizer _x = null!;
    private float* _y; // [n, rows]
    private int _n;

    public static int Panels(int rows) => (rows + Q8Dot.PanelRows - 1) / Q8Dot.PanelRows;

    public void Set(in WeightMatrix w, ActivationQuantizer x, float* y, int n) { _w = w; _x = x; _y = y; _n = n; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int begin, int end)
    {
        int nb = _w.Cols / 32, rows = _w.Rows, rowBytes = _w.RowBytes;
        // scratch: dwT [nb, 8] floats, corr [nb, 8] ints, y [8]
        int need = nb * 8 * 2 + 8;
        if (t_scratch is null || t_scratch.Length < need) t_scratch = GC.AllocateUninitializedArray<float>(need, pinned: true);
        fixed (float* scratch = t_scratch)
        {
            float* dwT = scratch;
            int* corr = (int*)(scratch + nb * 8);
            float* yPanel = scratch + nb * 16;
            for (int p = begin; p < end; p++)
            {
                int r0 = p * Q8Dot.PanelRows, count = Math.Min(Q8Dot.PanelRows, rows - r0);
                byte* w = _w.Data + (long)r0 * rowBytes;
                if (_n >= ActivationQuantizer.Group) Prefetcher.Rows(_w, r0 + Q8Dot.PrefetchPanels * Q8Dot.PanelRows, Q8Dot.PanelRows);
                int t = 0;
                if (count == Q8Dot.PanelRows && kernel == Q8Kernel.Vnni && _n >= ActivationQuantizer.Group)
                {
                    PanelScales(w, rowBytes, nb, dwT);
                    WeightSums(w, rowBytes, nb, corr);
                    for (int g = 0; g < _n / ActivationQuantizer.Group; g++, t += ActivationQuantizer.Group)
                    {
                        byte* xp = _x.Packed + (long)g * nb * 256;
                        float* dx = _x.PackedD + (long)g * nb * 8;
                        float* y = _y + (long)t * rows + r0;
                        Q8Gemm.Vnni4x8(w, rowBytes, nb, xp, dx, dwT, corr, 0, y, rows);
                        Q8Gemm.Vnni4x8(w + 4L * rowBytes, rowBytes, nb, xp, dx, dwT, corr, 4, y + 4, rows);
                    }
                }
                for (; t < _n; t++)
                {
                    sbyte* q = _x.Q + (long)t * _w.Cols;
                    float* d = _x.D + (long)t * nb;
                    int* sum = _x.Sum + (long)t * nb;
                    if (count == Q8Dot.PanelRows && kernel == Q8Kernel.Vnni) Q8Dot.Vnni8(w, rowBytes, nb, q, d, sum, yPanel);
                    else if (count == Q8Dot.PanelRows && kernel == Q8Kernel.Avx2) Q8Dot.Avx2x8(w, rowBytes, nb, q, d, yPanel);
                    else Q8Dot.Scalar(w, rowBytes, count, nb, q, d, yPanel);
                    new ReadOnlySpan<float>(yPanel, count).CopyTo(new Span<float>(_y + (long)t * rows + r0, count));
                }
            }
        }
    }

    /// <summary>dwT[b, r]: the block scales of a full panel's 8 rows as F32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PanelScales(byte* w, int rowBytes, int nb, float* dwT)
    {
        var rows = Q8Dot.RowOffsets(rowBytes);
        for (int b = 0; b < nb; b++) Q8Dot.Scales8(w, rows, b).Store(dwT + b * 8);
    }

    /// <summary>corr[b, r] = 128·Σ of row r's block b, for the 8 rows of a panel (VNNI only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightSums(byte* w, int rowBytes, int nb, int* corr)
    {
        for (int b = 0; b < nb; b++) (Q8Dot.BlockSums8(w, rowBytes, b) << 7).Store(corr + b * 8);
    }
}
