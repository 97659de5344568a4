using System.Runtime.CompilerServices;
namespace Mesh.Kernels.Cpu;

/// <summary>y[n, rows] = x[n, cols] · wᵀ split into panels of 4 weight rows; a work item is a panel (for decode over F32
/// BF16 or F16 weights on AVX-512, two panels half the matrix apart, computed side by side: <see cref="IDotTiles.PairsPanels"/>).
/// Tokens are taken in blocks sized so the block of x stays in L2 while the thread's panels stream
/// past it; inside a block, 4×4 tiles (4×1 for the last tokens). Non-F32 panels are converted to F32
/// once per token block into a per-thread scratch; the converted values equal what every other path
/// converts, and each (row, token) reduction is the tile set's fixed order, so the result of a token
/// does not depend on n, the block, the tile or the thread. Where the path reads F16 weights in
/// <see cref="HalfPairs"/> order, x is reordered once in <see cref="Set"/> and F16 panels are widened in that
/// order, so the in-register decode tile and the panels still agree bit for bit.</summary>
internal sealed unsafe class MatMulWork<TTiles> : MatMulJob where TTiles : struct, IDotTiles
{
    /// <summary>How far ahead of the panel being computed its successors are prefetched (batches, and decode of
    /// types widened through the scratch panel): about 12 KiB and never under 2 panels (F16 decode with 4
    /// interleaved rows, 768 columns: 2 panels ahead decoded 125–138 tok/s against 115–131 at 3 and 119–125
    /// at 4; it now reads row by row without software prefetch, faster still).</summary>
    private const int PrefetchBytes = 12 * 1024;
    /// <summary>Bytes of x one token block may take (about half of a 1 MiB L2).</summary>
    private const int TokenBlockBytes = 512 * 1024;

    private WeightMatrix _w;
    private float* _x; // [n, cols], in pair order for F16 weights on a path that reads them so
    private float* _y; // [n, rows]
    private int _n;
    private bool _pairs;
    /// <summary>A decode product (F32, BF16, or F16 in pair order) whose items are two panels half the matrix apart.</summary>
    private bool _paired;
    /// <summary>x reordered for F16 weights read in pair order ([n, cols]); grows to the largest product seen.</summary>
    private float[] _ordered = [];

    /// <summary>Work items of the product last <see cref="Set"/>: its panels, or on the paired decode path
    /// (<see cref="IDotTiles.PairsPanels"/>) half as many, item i taking panels i and i + Items.</summary>
    public override int Items => _paired ? (Panels(_w.Rows) + 1) / 2 : Panels(_w.Rows);

    public override void Set(in WeightMatrix w, float* x, float* y, int n)
    {
        _w = w; _x = x; _y = y; _n = n;
        _pairs = w.Type == TensorType.F16 && TTiles.F16Pairs;
        // F16 for two or three tokens keeps its two-token tile (one pass widens each chunk for both tokens)
        _paired = TTiles.PairsPanels && (_pairs ? n == 1 : n < 4 && w.Type is TensorType.F32 or TensorType.BF16);
        if (!_pairs) return;
        long floats = (long)n * w.Cols;
        if (_ordered.Length < floats) _ordered = GC.AllocateUninitializedArray<float>(checked((int)floats), pinned: true);
        fixed (float* ordered = _ordered)
        {
            for (int t = 0; t < n; t++) HalfPairs.Order(x + (long)t * w.Cols, ordered + (long)t * w.Cols, w.Cols);
            _x = ordered;   // pinned: the address stays valid after the fixed block
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(int begin, int end)
    {
        if (_paired)
        {
            RunPaired(begin, end);
            return;
        }
        int cols = _w.Cols, rows = _w.Rows, n = _n;
        int block = Math.Max(PanelRows, TokenBlockBytes / (cols * sizeof(float)) / PanelRows * PanelRows);
        bool f32 = _w.Type == TensorType.F32;
        float* scratch = f32 ? null : RowConverter.Scratch(PanelRows * cols);
        // a few Q8_0 or F16 tokens: widen in registers (same values) instead of through the scratch panel
        bool q8InRegisters = _w.Type == TensorType.Q8_0 && n < 4;
        bool f16InRegisters = _w.Type == TensorType.F16 && n < 4;
        int ahead = Math.Max(2, PrefetchBytes / (PanelRows * _w.RowBytes)) * PanelRows;   // rows
        for (int t0 = 0; t0 < n; t0 += block)
        {
            int t1 = Math.Min(n, t0 + block);
            for (int p = begin; p < end; p++)
            {
                int r0 = p * PanelRows, count = Math.Min(PanelRows, rows - r0);
                // F32 decode and the pair-order F16 decode tile read their rows in address order and leave it to the
                // hardware prefetchers; the interleaved tiles (F16 on AVX2, exact-mode Q8_0) need the prefetch
                if ((t1 - t0 >= 4 || !f32) && !(f16InRegisters && _pairs)) Prefetcher.Rows(_w, r0 + ahead, PanelRows);
                if (q8InRegisters && count == PanelRows)
                {
                    byte* q = _w.Data + (long)r0 * _w.RowBytes;
                    for (int t = t0; t < t1; t++) TTiles.Q8Tile4x1(q, _w.RowBytes, _x + (long)t * cols, cols, _y + (long)t * rows + r0, scratch);
                    continue;
                }
                if (f16InRegisters && count == PanelRows)
                {
                    ushort* h = (ushort*)(_w.Data + (long)r0 * _w.RowBytes);
                    int t = t0;
                    for (; t + 2 <= t1; t += 2)
                        TTiles.F16WeightTile4x2(h, cols, _x + (long)t * cols, _x + (long)(t + 1) * cols, cols, _y + (long)t * rows + r0, _y + (long)(t + 1) * rows + r0, scratch);
                    for (; t < t1; t++) TTiles.F16WeightTile4x1(h, cols, _x + (long)t * cols, cols, _y + (long)t * rows + r0, scratch);
                    continue;
                }
                float* panel;
                if (f32) panel = (float*)(_w.Data + (long)r0 * _w.RowBytes);
                else
                {
                    for (int r = 0; r < count; r++)
                    {
                        if (_pairs) HalfPairs.ToSingle((ushort*)(_w.Data + (long)(r0 + r) * _w.RowBytes), scratch + (long)r * cols, cols);
                        else RowConverter.ToFloat(_w, r0 + r, scratch + (long)r * cols);
                    }
                    panel = scratch;
                }
                if (count == PanelRows) FullPanel(panel, r0, t0, t1, ahead);
                else PartialPanel(panel, count, r0, t0, t1);
            }
        }
    }

    /// <summary>Items [begin, end) of the paired decode (F32, BF16, or F16 in pair order): panel i beside panel i + half (both whole), else each alone
    /// through the one-panel path; every row keeps its one-panel bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunPaired(int begin, int end)
    {
        int cols = _w.Cols, rows = _w.Rows, half = Items, panels = Panels(rows);
        float* scratch = RowConverter.Scratch(PanelRows * cols);
        for (int i = begin; i < end; i++)
        {
            int ra = i * PanelRows, rb = (i + half) * PanelRows;
            if (i + half < panels && rb + PanelRows <= rows)
            {
                byte* wa = _w.Data + (long)ra * _w.RowBytes, wb = _w.Data + (long)rb * _w.RowBytes;
                if (_pairs)
                {
                    TTiles.F16WeightTile4x1Pair((ushort*)wa, (ushort*)wb, cols, _x, cols, _y + ra, _y + rb, scratch);
                    continue;
                }
                // F32 and BF16: two tokens at a time in one pass, then the last alone
                for (int t = 0; t < _n; t += 2)
                {
                    bool two = t + 1 < _n;
                    float* x0 = _x + (long)t * cols, x1 = two ? x0 + cols : null;
                    float* ya0 = _y + (long)t * rows + ra, yb0 = _y + (long)t * rows + rb;
                    float* ya1 = two ? ya0 + rows : null, yb1 = two ? yb0 + rows : null;
                    if (_w.Type == TensorType.BF16) TTiles.Bf16Tile4x1Pair((ushort*)wa, (ushort*)wb, cols, x0, x1, cols, ya0, yb0, ya1, yb1);
                    else TTiles.Tile4x1Pair((float*)wa, (float*)wb, cols, x0, x1, cols, ya0, yb0, ya1, yb1);
                }
                continue;
            }
            Single(i, scratch);
            if (i + half < panels) Single(i + half, scratch);
        }
    }

    /// <summary>Panel p of the paired decode on its own (a partial last panel, or one without a partner): a whole F16
    /// panel through the one-panel tile, else F32 rows as they are or rows widened into the scratch, as <see cref="Run"/> does.</summary>
    private void Single(int p, float* scratch)
    {
        int cols = _w.Cols, rows = _w.Rows, r0 = p * PanelRows, count = Math.Min(PanelRows, rows - r0);
        if (_pairs && count == PanelRows)
        {
            ushort* h = (ushort*)(_w.Data + (long)r0 * _w.RowBytes);
            for (int t = 0; t < _n; t++) TTiles.F16WeightTile4x1(h, cols, _x + (long)t * cols, cols, _y + (long)t * rows + r0, scratch);
            return;
        }
        float* panel = scratch;
        if (_w.Type == TensorType.F32) panel = (float*)(_w.Data + (long)r0 * _w.RowBytes);
        else
            for (int r = 0; r < count; r++)
            {
                if (_pairs) HalfPairs.ToSingle((ushort*)(_w.Data + (long)(r0 + r) * _w.RowBytes), scratch + (long)r * cols, cols);
                else RowConverter.ToFloat(_w, r0 + r, scratch + (long)r * cols);
            }
        if (count == PanelRows) FullPanel(panel, r0, 0, _n, 0);
        else PartialPanel(panel, count, r0, 0, _n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FullPanel(float* panel, int r0, int t0, int t1, int ahead)
    {
        int cols = _w.Cols, rows = _w.Rows;
        int t = t0;
        // decode streams an F32 panel straight from the weights: prefetch the panels ahead of it
        float* prefetch = _w.Type == TensorType.F32 ? panel + (long)ahead * cols : panel;
        for (; t + 4 <= t1; t += 4)
            TTiles.Tile4x4(panel, cols, _x + (long)t * cols, cols, cols, _y + (long)t * rows + r0, rows);
        for (; t < t1; t++)
            TTiles.Tile4x1(panel, cols, _x + (long)t * cols, cols, _y + (long)t * rows + r0, prefetch);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PartialPanel(float* panel, int count, int r0, int t0, int t1)
    {
        int cols = _w.Cols, rows = _w.Rows;
        for (int t = t0; t < t1; t++)
            for (int r = 0; r < count; r++)
                _y[(long)t * rows + r0 + r] = TTiles.Dot(panel + (long)r * cols, _x + (long)t * cols, cols);
    }
}

/// <summary>A matrix product prepared for one <see cref="WorkerPool"/> run over weight panels.</summary>
internal abstract unsafe class MatMulJob : IParallelWork
{
    /// <summary>Weight rows per work item.</summary>
    public const int PanelRows = 4;

    public static int Panels(int rows) => (rows + PanelRows - 1) / PanelRows;

    /// <summary>Work items of the product last set.</summary>
    public abstract int Items { get; }

    public abstract void Set(in WeightMatrix w, float* x, float* y, int n);

    public abstract void Run(int begin, int end);
}
