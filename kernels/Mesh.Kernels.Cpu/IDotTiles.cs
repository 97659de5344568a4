namespace Mesh.Kernels.Cpu;

/// <summary>The micro-kernels of one <see cref="SimdPath"/>: dot products of weight rows with token
/// rows, both F32 and contiguous over k. Every (row, token) pair has its own accumulator that runs
/// over k in the same order and is reduced by the same horizontal sum in every tile shape, so a
/// token's result does not depend on which tile, batch or thread computed it.
/// Layout: w[row·ldw + k], x[token·ldx + k], y[token·ldy + row].</summary>
internal unsafe interface IDotTiles
{
    /// <summary>4 rows × 4 tokens.</summary>
    static abstract void Tile4x4(float* w, nint ldw, float* x, nint ldx, int k, float* y, nint ldy);
    /// <summary>4 rows × 1 token (decode); a path may ask for the lines at <paramref name="prefetch"/> (the
    /// same rows some panels ahead) as it goes, since decode reads every weight exactly once.</summary>
    static abstract void Tile4x1(float* w, nint ldw, float* x, int k, float* y, float* prefetch);
    /// <summary>As <see cref="Tile4x1"/> on 4 Q8_0 rows (stride rowBytes) widened in registers:
    /// w = d·q rounded exactly as <see cref="RowConverter"/> widens a panel, so the result equals the
    /// widened panel's. scratch holds 4 · k/32 floats (the rows' block scales).</summary>
    static abstract void Q8Tile4x1(byte* w, int rowBytes, float* x, int k, float* y, float* scratch);
    /// <summary>As <see cref="Tile4x1"/> on 4 F16 rows (stride ldw halves) widened in registers
    /// (<see cref="HalfWidener"/>, exact), so the result equals the widened panel's; scratch holds 4·k floats
    /// for paths that widen through memory.</summary>
    static abstract void F16Tile4x1(ushort* w, nint ldw, float* x, int k, float* y, float* scratch);
    /// <summary>Whether this path reads F16 weight rows in <see cref="HalfPairs"/> order: its
    /// <see cref="F16WeightTile4x1"/> and the F16 panels a product widens for it then take x in that order too.</summary>
    static abstract bool F16Pairs { get; }
    /// <summary><see cref="F16Tile4x1"/> for weight rows, in the path's F16 weight order (<see cref="F16Pairs"/>):
    /// equal to <see cref="Tile4x1"/> over the rows widened into that order.</summary>
    static abstract void F16WeightTile4x1(ushort* w, nint ldw, float* x, int k, float* y, float* scratch);
    /// <summary><see cref="F16WeightTile4x1"/> for two tokens (x0 → y0[0..3], x1 → y1[0..3]), each with the same bits
    /// as its own <see cref="F16WeightTile4x1"/>; paths that widen in registers widen each weight once for both.</summary>
    static abstract void F16WeightTile4x2(ushort* w, nint ldw, float* x0, float* x1, int k, float* y0, float* y1, float* scratch);
    /// <summary>Whether decode (1–3 tokens over F32 or F16 weights) computes two panels side by side
    /// (<see cref="Tile4x1Pair"/>, <see cref="F16WeightTile4x1Pair"/>): each work item is then two panels half a matrix apart.</summary>
    static abstract bool PairsPanels { get; }
    /// <summary><see cref="Tile4x1"/> on two panels at once (wa → ya0[0..3], wb → yb0[0..3]) for token x0 and, unless
    /// <paramref name="x1"/> is null, token x1 in the same pass (→ ya1, yb1); each row with the same bits.</summary>
    static virtual void Tile4x1Pair(float* wa, float* wb, nint ldw, float* x0, float* x1, int k, float* ya0, float* yb0, float* ya1, float* yb1) =>
        throw new NotSupportedException(NoPairs);
    /// <summary><see cref="Tile4x1Pair"/> on BF16 rows widened in registers (bits &lt;&lt; 16, exact), so each row equals
    /// <see cref="Tile4x1"/> over the widened panel; only where <see cref="PairsPanels"/>.</summary>
    static virtual void Bf16Tile4x1Pair(ushort* wa, ushort* wb, nint ldw, float* x0, float* x1, int k, float* ya0, float* yb0, float* ya1, float* yb1) =>
        throw new NotSupportedException(NoPairs);
    /// <summary><see cref="F16WeightTile4x1"/> on two panels at once (wa → ya[0..3], wb → yb[0..3]), each row with the same
    /// bits as there; paths that widen in registers run a row of each panel side by side (two accumulator chains,
    /// two address streams).</summary>
    static virtual void F16WeightTile4x1Pair(ushort* wa, ushort* wb, nint ldw, float* x, int k, float* ya, float* yb, float* scratch) =>
        throw new NotSupportedException(NoPairs);

    /// <summary>What the pair tiles of a path that does not pair panels say: <see cref="MatMulWork{TTiles}"/> only calls
    /// them where <see cref="PairsPanels"/>.</summary>
    private const string NoPairs = "this path does not pair panels (PairsPanels is false)";
    /// <summary>1 row × 1 token (row remainders).</summary>
    static abstract float Dot(float* w, float* x, int k);
    /// <summary>o[i] = fma(v[i], s, o[i]) for i in [0, k): the same rounding on every path.</summary>
    static abstract void MultiplyAdd(float* v, float s, float* o, int k);
    /// <summary>For each of <paramref name="queries"/> (≤ 4) outputs o_q = o + q·ldo: <see cref="MultiplyAdd"/> of rows
    /// v_j = v + j·ldv by p[q·ldp + j] for j = 0..rows−1 in order, each output element seeing the same fma
    /// sequence; the outputs stay in registers across the rows where the path can.</summary>
    static abstract void MultiplyAddRows(float* v, nint ldv, int rows, float* p, nint ldp, int queries, float* o, nint ldo, int k);
    /// <summary>Whether this path has <see cref="F16ScaledTile4x1"/> and <see cref="F16ScaledMultiplyAddRows"/>.</summary>
    static abstract bool F16Scaled { get; }
    /// <summary><see cref="F16Tile4x1"/> with the halves' re-bias moved to the other side: x holds the token times
    /// <see cref="HalfWidener.Rebias"/> (exact while every |x| &lt; 2¹⁶) and each half is only moved to its F32 bit places
    /// (<see cref="HalfWidener.Placed16"/>), so every fma sees the same exact product and y gets
    /// <see cref="F16Tile4x1"/>'s bits at about half the instructions. k is a multiple of the path's width (16 or 8).
    /// False when a row holds an Inf or NaN half (then y is not meaningful and the caller runs
    /// <see cref="F16Tile4x1"/>).</summary>
    static abstract bool F16ScaledTile4x1(ushort* w, nint ldw, float* x, int k, float* y);
    /// <summary><see cref="F16MultiplyAddRows"/> with each weight p[j] times <see cref="HalfWidener.Rebias"/> and the rows
    /// only moved to their F32 bit places: the same fma sequence and bits. k is a multiple of the path's width. False
    /// when a row holds an Inf or NaN half (then o is not meaningful: the caller starts the output over).</summary>
    static abstract bool F16ScaledMultiplyAddRows(ushort* v, nint ldv, int rows, float* p, float* o, int k);
    /// <summary><see cref="MultiplyAddRows"/> for one output over F16 rows (stride ldv halves), widened exactly
    /// (<see cref="HalfWidener"/>) in registers where the path can, else through <paramref name="scratch"/>
    /// (rows · k floats): the same fma sequence per output element as over the widened rows.</summary>
    static abstract void F16MultiplyAddRows(ushort* v, nint ldv, int rows, float* p, float* o, int k, float* scratch);
}
