namespace Mesh.Kernels;

/// <summary>A weight row as the file stored it, whatever layout the matrix was rearranged into in memory.</summary>
public static class StoredRows
{
    /// <summary>The file's type of a matrix of type <paramref name="t"/> (an in-memory panel layout maps back to its type).</summary>
    public static TensorType FileType(TensorType t) => t switch
    {
        TensorType.Q8_0x8 => TensorType.Q8_0,
        TensorType.Q4_Kx8 => TensorType.Q4_K,
        TensorType.Q6_Kx8 => TensorType.Q6_K,
        _ => t,
    };

    /// <summary>The bytes of row <paramref name="row"/> of <paramref name="w"/> in <see cref="FileType"/>: the row itself,
    /// or a panel-layout row unpacked into <paramref name="scratch"/> (at least <see cref="FileRowBytes"/> bytes).</summary>
    public static unsafe ReadOnlySpan<byte> Get(in WeightMatrix w, int row, Span<byte> scratch)
    {
        switch (w.Type)
        {
            case TensorType.Q8_0x8:
                Q8Panels.UnpackRow(w.Data, w.Cols, row, scratch);
                return scratch[..FileRowBytes(w)];
            case TensorType.Q4_Kx8:
                Q4KPanels.UnpackRow(w.Data, w.Cols, row, scratch);
                return scratch[..FileRowBytes(w)];
            case TensorType.Q6_Kx8:
                Q6KPanels.UnpackRow(w.Data, w.Cols, row, scratch);
                return scratch[..FileRowBytes(w)];
            default:
                return w.Row(row);
        }
    }

    /// <summary>Bytes of one row in <see cref="FileType"/>.</summary>
    public static int FileRowBytes(in WeightMatrix w) => checked((int)TensorTypes.ByteSize(FileType(w.Type), w.Cols));
}
