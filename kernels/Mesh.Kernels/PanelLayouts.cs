namespace Mesh.Kernels;

/// <summary>Which stored matrices have a panel layout of 8 rows (<see cref="Q8Panels"/>, <see cref="Q4KPanels"/>,
/// <see cref="Q6KPanels"/>), and the rewrite into it; <see cref="StoredRows"/> reads a row back.</summary>
public static unsafe class PanelLayouts
{
    /// <summary>The panel type a matrix of this type and shape is rewritten into, or null when it stays in rows.</summary>
    public static TensorType? PanelType(TensorType type, int rows, int cols) => type switch
    {
        TensorType.Q8_0 when Q8Panels.Fits(rows, cols) => TensorType.Q8_0x8,
        TensorType.Q4_K when Q4KPanels.Fits(rows, cols) => TensorType.Q4_Kx8,
        TensorType.Q6_K when Q6KPanels.Fits(rows, cols) => TensorType.Q6_Kx8,
        _ => null,
    };

    /// <summary>Rewrites rows [row0, row1) (whole panels) of <paramref name="w"/> into its panel layout at
    /// <paramref name="dst"/>, which holds the whole panel matrix.</summary>
    public static void Repack(in WeightMatrix w, byte* dst, int row0, int row1)
    {
        switch (w.Type)
        {
            case TensorType.Q8_0: Q8Panels.Repack(w.Data, dst, w.Cols, row0, row1); break;
            case TensorType.Q4_K: Q4KPanels.Repack(w.Data, dst, w.Cols, row0, row1); break;
            case TensorType.Q6_K: Q6KPanels.Repack(w.Data, dst, w.Cols, row0, row1); break;
            default: throw new NotSupportedException($"{w.Type} has no panel layout");
        }
    }
}
