using System.Runtime.CompilerServices;
namespace Mesh.Kernels.Cpu;

/// <summary>The portable fallback: one scalar fused multiply-add chain per (row, token), k ascending.</summary>
internal readonly unsafe struct DotTilesScalar : IDotTiles
{
    public static void Tile4x4(float* w, nint ldw, float* x, nint ldx, int k, float* y, nint ldy)
    {
        for (int t = 0; t < 4; t++)
            Tile4x1(w, ldw, x + t * ldx, k, y + t * ldy, null);
    }

    public static void Tile4x1(float* w, nint ldw, float* x, int k, float* y, float* prefetch)
    {
        for (int r = 0; r < 4; r++) y[r] = Dot(w + r * ldw, x, k);
    }

    public static void F16MultiplyAddRows(ushort* v, nint ldv, int rows, float* p, float* o, int k, float* scratch)
    {
        for (int j = 0; j < rows; j++) HalfWidener.ToSingle(v + j * ldv, scratch + (long)j * k, k);
        MultiplyAddRows(scratch, k, rows, p, 0, 1, o, 0, k);
    }

    /// <summary>No scaled F16 kernels on this path: it widens through memory.</summary>
    public static bool F16Scaled => false;

    public static bool F16ScaledTile4x1(ushort* w, nint ldw, float* x, int k, float* y) =>
        throw new NotSupportedException("the scalar path has no scaled F16 tile (F16Scaled is false)");

    public static bool F16ScaledMultiplyAddRows(ushort* v, nint ldv, int rows, float* p, float* o, int k) =>
        throw new NotSupportedException("the scalar path has no scaled F16 rows (F16Scaled is false)");

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
        for (int r = 0; r < 4; r++) HalfWidener.ToSingle(w + r * ldw, scratch + (long)r * k, k);
        Tile4x1(scratch, k, x, k, y, scratch);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q8Tile4x1(byte* w, int rowBytes, float* x, int k, float* y, float* scratch)
    {
        int nb = k / 32;
        for (int r = 0; r < 4; r++)
        {
            byte* row = w + (long)r * rowBytes;
            RowConverter.BlockScales(row, nb, scratch);
            float s = 0;
            for (int c = 0; c < k; c++) s = MathF.FusedMultiplyAdd(scratch[c / 32] * ((sbyte*)row)[c / 32 * 34 + 2 + c % 32], x[c], s);
            y[r] = s;
        }
    }

    public static float Dot(float* w, float* x, int k)
    {
        float s = 0;
        for (int c = 0; c < k; c++) s = MathF.FusedMultiplyAdd(w[c], x[c], s);
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(float* v, float s, float* o, int k)
    {
        for (int c = 0; c < k; c++) o[c] = MathF.FusedMultiplyAdd(v[c], s, o[c]);
    }

    public static void MultiplyAddRows(float* v, nint ldv, int rows, float* p, nint ldp, int queries, float* o, nint ldo, int k)
    {
        for (int q = 0; q < queries; q++)
            for (int j = 0; j < rows; j++) MultiplyAdd(v + j * ldv, p[q * ldp + j], o + q * ldo, k);
    }
}
