using System.Runtime.CompilerServices;

namespace Mesh.Kernels.Cpu;

/// <summary>y[n, rows] = K-quant weights (Q4_K, Q5_K, Q6_K) · Q8_K activations. With AVX-512 and at
/// least 8 tokens, a work item is a panel of 16 rows: whole groups of 8 tokens go through the 16 rows ×
/// 8 tokens tile (<see cref="KQuantGemm16"/>, the panel unpacked and interleaved once). Otherwise a work
/// item is a panel of 4 rows: on VNNI, whole groups of 8 tokens go through the 4 rows × 8 tokens tile
/// (<see cref="KQuantGemm"/>). Tokens left over go 4 at a time through the 1 row × 4 tokens tile (each
/// row unpacked once for all four), the rest through the 4 rows × 1 token tile (decode); every kernel
/// computes a (row, token) pair with the same sequence, so results do not depend on n, the tile or
/// the thread. On AVX-512 the decode tile is <see cref="Q45KDot512{T}"/> (Q4_K, Q5_K) or <see cref="Q6KDot512"/>.</summary>
internal sealed unsafe class KQuantMatMulWork(Q8Kernel kernel, bool wide) : IParallelWork
{
    public const int PanelRows = 4;
    /// <summary>Panels ahead whose rows are prefetched while one is computed (decode streams them).</summary>
    private const int PrefetchPanels = 4;

    private WeightMatrix _w;
    private Q8KQuantizer _x = null!;
    private float* _y; // [n, rows]
    private int _n;
    private bool _wide;

    /// <summary>Work items of the product last <see cref="Set"/>: 16-row panels on the wide path, else 4-row ones.</summary>
    public int Items => _wide ? (_w.Rows + KQuantGemm16.Rows - 1) / KQuantGemm16.Rows : (_w.Rows + PanelRows - 1) / PanelRows;

    /// <summary>Whether a batch of <paramref name="n"/> tokens takes the 4 × 8 VNNI tile (and so needs the
    /// activations packed).</summary>
    public bool Batches(int n) => kernel == Q8Kernel.Vnni && n >= Q8KQuantizer.Lanes && !Wide(n);

    private bool Wide(int n) => wide && n >= KQuantGemm16.Tokens;

    public void Set(in WeightMatrix w, Q8KQuantizer x, float* y, int n) { _w = w; _x = x; _y = y; _n = n; _wide = Wide(n); }

    public void Run(int begin, int end)
    {
        switch (_w.Type)
        {
            case TensorType.Q4_K: Run<Q4KFormat>(begin, end); break;
            case TensorType.Q5_K: Run<Q5KFormat>(begin, end); break;
            case TensorType.Q6_K: Run<Q6KFormat>(begin, end); break;
            default: throw new NotSupportedException($"{_w.Type} is not a K-quant");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run<T>(int begin, int end) where T : struct, IKQuantFormat
    {
        int rows = _w.Rows, cols = _w.Cols, n = _n, nb = cols / 256, groups = cols / 16;
        if (_wide)
        {
            var wide = KQuantPanel16.For(cols);
            for (int p = begin; p < end; p++)
            {
                int r0 = p * KQuantGemm16.Rows, count = Math.Min(KQuantGemm16.Rows, rows - r0), t = 0;
                Prefetcher.Rows(_w, r0 + KQuantGemm16.Rows, KQuantGemm16.Rows);
                if (count == KQuantGemm16.Rows)
                {
                    wide.Unpack<T>(_w.Data + (long)r0 * _w.RowBytes, _w.RowBytes, cols);
                    for (; t + KQuantGemm16.Tokens <= n; t += KQuantGemm16.Tokens)
                        KQuantGemm16.Tile16x8(wide, cols, _x.Q + (long)t * cols, _x.D + (long)t * nb, _x.Sums + (long)t * groups,
                            _y + (long)t * rows + r0, rows);
                }
                for (int r = r0; r < r0 + count; r += PanelRows) Tokens<T>(r, Math.Min(PanelRows, r0 + count - r), t);
            }
            return;
        }
        var panel = Batches(n) ? KQuantPanel.For(cols) : null;
        for (int p = begin; p < end; p++)
        {
            int r0 = p * PanelRows, count = Math.Min(PanelRows, rows - r0);
            Prefetcher.Rows(_w, r0 + PrefetchPanels * PanelRows, PanelRows);
            int t = 0;
            if (panel is not null && count == PanelRows)
            {
                panel.Unpack<T>(_w.Data + (long)r0 * _w.RowBytes, _w.RowBytes, cols);
                for (int g = 0; t + Q8KQuantizer.Lanes <= n; t += Q8KQuantizer.Lanes, g++)
                    KQuantGemm.Vnni4x8(panel, cols, _x.Packed + (long)g * cols * Q8KQuantizer.Lanes, _x.PackedD + (long)g * nb * Q8KQuantizer.Lanes,
                        _x.PackedSums + (long)g * nb * 128, _y + (long)t * rows + r0, rows);
            }
            Tokens<T>(r0, count, t);
        }
    }

    /// <summary>Rows [r0, r0 + count) (count ≤ 4) against tokens [t, n), without the batch tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tokens<T>(int r0, int count, int t) where T : struct, IKQuantFormat
    {
        int rows = _w.Rows, cols = _w.Cols, n = _n, nb = cols / 256, groups = cols / 16;
        bool simd = kernel != Q8Kernel.Scalar;
        if (simd)
        {
            for (; t + 4 <= n; t += 4)
                for (int r = 0; r < count; r++)
                    KQuantDot<T>.Avx2Tokens4(_w.Data + (long)(r0 + r) * _w.RowBytes, cols,
                        _x.Q + (long)t * cols, _x.D + (long)t * nb, _x.Sums + (long)t * groups, _y + (long)t * rows + r0 + r, rows);
        }
        for (; t < n; t++)
        {
            sbyte* q = _x.Q + (long)t * cols;
            float* dx = _x.D + (long)t * nb;
            short* sums = _x.Sums + (long)t * groups;
            float* y = _y + (long)t * rows + r0;
            if (simd && count == PanelRows)
            {
                byte* panel = _w.Data + (long)r0 * _w.RowBytes;
                if (wide && typeof(T) != typeof(Q6KFormat)) Q45KDot512<T>.Rows4(panel, _w.RowBytes, cols, q, dx, sums, y);
                else if (wide && typeof(T) == typeof(Q6KFormat)) Q6KDot512.Rows4(panel, _w.RowBytes, cols, q, dx, sums, y);
                else KQuantDot<T>.Avx2Rows4(panel, _w.RowBytes, cols, q, dx, sums, y);
                continue;
            }
            for (int r = 0; r < count; r++)
            {
                byte* row = _w.Data + (long)(r0 + r) * _w.RowBytes;
                y[r] = simd ? KQuantDot<T>.Avx2Token(row, cols, q, dx, sums) : KQuantDot<T>.ScalarToken(row, cols, q, dx, sums);
            }
        }
    }
}
