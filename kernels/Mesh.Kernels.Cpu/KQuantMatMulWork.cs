using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
    private bool _direct;

    /// <summary>Work items of the product last <see cref="Set"/>: 16-row panels on the wide path, else 4-row ones.</summary>
    public int Items => _direct ? _w.Rows / Q4KPanels.Rows
        : _wide ? (_w.Rows + KQuantGemm16.Rows - 1) / KQuantGemm16.Rows
        : _w.Type is TensorType.Q4_Kx8 or TensorType.Q6_Kx8 ? _w.Rows / Q4KPanels.Rows : (_w.Rows + PanelRows - 1) / PanelRows;

    /// <summary>Tokens below which a panel product runs the panel kernels (four tokens at a time, then one by one) rather
    /// than unpacking the panels for the batch tiles. The tiles take ~20 µs a token on a 3072 × 768 matrix (one core,
    /// from cache) against the one-token panel kernels' 29–47, but unpacking costs ~100 µs a product and the panel
    /// kernels re-read a panel from L1: 8 sequences of the Q4_K_M file decoded at 460–468 tok/s with the one-token
    /// panel kernel at 8 tokens, 415–430 with the tiles (alternating runs); at 16 and more the tiles won. The
    /// four-token kernels (2026-11-29) take a group's nibbles apart once for four tokens: 8 sequences 621–635 → 754–758
    /// tok/s in the engine.</summary>
    private const int DirectTokens = 16;

    /// <summary>Whether a batch of <paramref name="n"/> tokens takes the 4 × 8 VNNI tile (and so needs the
    /// activations packed).</summary>
    public bool Batches(int n) => kernel == Q8Kernel.Vnni && n >= Q8KQuantizer.Lanes && !Wide(n);

    private bool Wide(int n) => wide && n >= KQuantGemm16.Tokens;

    public void Set(in WeightMatrix w, Q8KQuantizer x, float* y, int n)
    {
        _w = w; _x = x; _y = y; _n = n; _wide = Wide(n);
        _direct = w.Type is TensorType.Q4_Kx8 or TensorType.Q6_Kx8 && kernel == Q8Kernel.Vnni && n < DirectTokens;
    }

    public void Run(int begin, int end)
    {
        switch (_w.Type)
        {
            case TensorType.Q4_K: Run<Q4KFormat>(begin, end); break;
            case TensorType.Q4_Kx8: Panels<Q4KFormat>(begin, end); break;
            case TensorType.Q6_Kx8: Panels<Q6KFormat>(begin, end); break;
            case TensorType.Q5_K: Run<Q5KFormat>(begin, end); break;
            case TensorType.Q6_K: Run<Q6KFormat>(begin, end); break;
            default: throw new NotSupportedException($"{_w.Type} is not a K-quant");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run<T>(int begin, int end) where T : struct, IKQuantFormat
    {
        int rows = _w.Rows, rowBytes = _w.RowBytes;
        if (_wide)
        {
            var wide = KQuantPanel16.For(_w.Cols);
            for (int p = begin; p < end; p++)
            {
                int r0 = p * KQuantGemm16.Rows;
                Prefetcher.Rows(_w, r0 + KQuantGemm16.Rows, KQuantGemm16.Rows);
                WideItem<T>(wide, _w.Data + (long)r0 * rowBytes, rowBytes, r0, Math.Min(KQuantGemm16.Rows, rows - r0));
            }
            return;
        }
        var panel = Batches(_n) ? KQuantPanel.For(_w.Cols) : null;
        for (int p = begin; p < end; p++)
        {
            int r0 = p * PanelRows;
            Prefetcher.Rows(_w, r0 + PrefetchPanels * PanelRows, PanelRows);
            Item<T>(panel, _w.Data + (long)r0 * rowBytes, rowBytes, r0, Math.Min(PanelRows, rows - r0));
        }
    }

    /// <summary>A <see cref="TensorType.Q4_Kx8"/> or <see cref="TensorType.Q6_Kx8"/> matrix (T: its file format): a work
    /// item is a panel of 8 rows (16 on the wide batch path). Up to <see cref="DirectTokens"/> tokens on VNNI run the
    /// panel kernels (<see cref="Q4KPanelDot"/>, <see cref="Q6KPanelDot"/>) four tokens at a time, the rest one by one; larger batches, and paths
    /// without VNNI, unpack the item's panels into the file's rows in a per-thread scratch and run
    /// the row kernels on it — the same integers and float sequence either way, so the bits do not change with n or
    /// the layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Panels<T>(int begin, int end) where T : struct, IKQuantFormat
    {
        int rows = _w.Rows, cols = _w.Cols, n = _n, nb = cols / 256, groups = cols / 16;
        bool direct = _direct, six = typeof(T) == typeof(Q6KFormat);
        int itemRows = _wide && !direct ? KQuantGemm16.Rows : Q4KPanels.Rows, fileRowBytes = nb * T.BlockBytes;
        byte* scratch = direct ? null : RowScratch(KQuantGemm16.Rows * fileRowBytes);
        var wide = _wide && !direct ? KQuantPanel16.For(cols) : null;
        var panel = !_wide && !direct && Batches(n) ? KQuantPanel.For(cols) : null;
        float* yp = stackalloc float[Q4KPanels.Rows];
        for (int p = begin; p < end; p++)
        {
            int r0 = p * itemRows, count = Math.Min(itemRows, rows - r0);
            byte* src = _w.Data + (long)r0 * _w.RowBytes;
            if (direct)
            {
                int t = 0;
                for (; t + 4 <= n; t += 4)
                {
                    if (six) Q6KPanelDot.Vnni8x4(src, nb, _x.Q + (long)t * cols, _x.D + (long)t * nb, _x.Sums + (long)t * groups, _y + (long)t * rows + r0, rows);
                    else Q4KPanelDot.Vnni8x4(src, nb, _x.Q + (long)t * cols, _x.D + (long)t * nb, _x.Sums + (long)t * groups, _y + (long)t * rows + r0, rows);
                }
                for (; t < n; t++)
                {
                    if (six) Q6KPanelDot.Vnni8(src, nb, _x.Q + (long)t * cols, _x.D + (long)t * nb, _x.Sums + (long)t * groups, yp);
                    else Q4KPanelDot.Vnni8(src, nb, _x.Q + (long)t * cols, _x.D + (long)t * nb, _x.Sums + (long)t * groups, yp);
                    new ReadOnlySpan<float>(yp, Q4KPanels.Rows).CopyTo(new Span<float>(_y + (long)t * rows + r0, Q4KPanels.Rows));
                }
                continue;
            }
            Prefetcher.Rows(_w, r0 + itemRows, itemRows);   // a batch's next item, while this one computes
            for (int r = 0; r < count; r += Q4KPanels.Rows)
            {
                if (six) Q6KPanels.UnpackPanel(src + (long)r * _w.RowBytes, cols, scratch + (long)r * fileRowBytes);
                else Q4KPanels.UnpackPanel(src + (long)r * _w.RowBytes, cols, scratch + (long)r * fileRowBytes);
            }
            if (wide is not null) WideItem<T>(wide, scratch, fileRowBytes, r0, count);
            else
                for (int r = 0; r < count; r += PanelRows)
                    Item<T>(panel, scratch + (long)r * fileRowBytes, fileRowBytes, r0 + r, PanelRows);
        }
    }

    /// <summary>Rows [r0, r0 + count) (count ≤ 16, stored at <paramref name="data"/>, stride rowBytes) on the wide path:
    /// whole groups of 8 tokens through the 16 × 8 tile, the rest through <see cref="Tokens{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WideItem<T>(KQuantPanel16 wide, byte* data, int rowBytes, int r0, int count) where T : struct, IKQuantFormat
    {
        int rows = _w.Rows, cols = _w.Cols, n = _n, nb = cols / 256, groups = cols / 16, t = 0;
        if (count == KQuantGemm16.Rows)
        {
            wide.Unpack<T>(data, rowBytes, cols);
            for (; t + KQuantGemm16.Tokens <= n; t += KQuantGemm16.Tokens)
                KQuantGemm16.Tile16x8(wide, cols, _x.Q + (long)t * cols, _x.D + (long)t * nb, _x.Sums + (long)t * groups,
                    _y + (long)t * rows + r0, rows);
        }
        for (int r = 0; r < count; r += PanelRows) Tokens<T>(data + (long)r * rowBytes, rowBytes, r0 + r, Math.Min(PanelRows, count - r), t);
    }

    /// <summary>Rows [r0, r0 + count) (count ≤ 4, stored at <paramref name="data"/>, stride rowBytes): whole groups of
    /// 8 tokens through the 4 × 8 VNNI tile when <paramref name="panel"/> is given, the rest through <see cref="Tokens{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Item<T>(KQuantPanel? panel, byte* data, int rowBytes, int r0, int count) where T : struct, IKQuantFormat
    {
        int rows = _w.Rows, cols = _w.Cols, n = _n, nb = cols / 256, t = 0;
        if (panel is not null && count == PanelRows)
        {
            panel.Unpack<T>(data, rowBytes, cols);
            for (int g = 0; t + Q8KQuantizer.Lanes <= n; t += Q8KQuantizer.Lanes, g++)
                KQuantGemm.Vnni4x8(panel, cols, _x.Packed + (long)g * cols * Q8KQuantizer.Lanes, _x.PackedD + (long)g * nb * Q8KQuantizer.Lanes,
                    _x.PackedSums + (long)g * nb * 128, _y + (long)t * rows + r0, rows);
        }
        Tokens<T>(data, rowBytes, r0, count, t);
    }

    /// <summary>A pinned per-thread scratch of at least <paramref name="bytes"/> bytes (panels unpacked into rows).</summary>
    private static byte* RowScratch(int bytes)
    {
        if (t_rows is null || t_rows.Length < bytes) t_rows = GC.AllocateUninitializedArray<byte>(bytes, pinned: true);
        return (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(t_rows));
    }

    [ThreadStatic] private static byte[]? t_rows;

    /// <summary>Rows [r0, r0 + count) (count ≤ 4, stored at <paramref name="data"/>, stride rowBytes) against tokens
    /// [t, n), without the batch tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tokens<T>(byte* data, int rowBytes, int r0, int count, int t) where T : struct, IKQuantFormat
    {
        int rows = _w.Rows, cols = _w.Cols, n = _n, nb = cols / 256, groups = cols / 16;
        bool simd = kernel != Q8Kernel.Scalar;
        if (simd)
        {
            for (; t + 4 <= n; t += 4)
                for (int r = 0; r < count; r++)
                    KQuantDot<T>.Avx2Tokens4(data + (long)r * rowBytes, cols,
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
                if (wide && typeof(T) != typeof(Q6KFormat)) Q45KDot512<T>.Rows4(data, rowBytes, cols, q, dx, sums, y);
                else if (wide && typeof(T) == typeof(Q6KFormat)) Q6KDot512.Rows4(data, rowBytes, cols, q, dx, sums, y);
                else KQuantDot<T>.Avx2Rows4(data, rowBytes, cols, q, dx, sums, y);
                continue;
            }
            for (int r = 0; r < count; r++)
            {
                byte* row = data + (long)r * rowBytes;
                y[r] = simd ? KQuantDot<T>.Avx2Token(row, cols, q, dx, sums) : KQuantDot<T>.ScalarToken(row, cols, q, dx, sums);
            }
        }
    }
}
