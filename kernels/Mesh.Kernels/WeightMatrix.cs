namespace Mesh.Kernels;

/// <summary>A read-only 2-D weight tensor living in native memory (usually a memory-mapped model
/// file): <c>[Rows, Cols]</c> row-major, each row a whole number of <see cref="Type"/> blocks.
/// A linear layer y = W·x has Rows = output features, Cols = input features.</summary>
public readonly unsafe struct WeightMatrix
{
    public readonly byte* Data;
    public readonly int Rows;
    public readonly int Cols;
    public readonly TensorType Type;
    /// <summary>Bytes of one row.</summary>
    public readonly int RowBytes;

    public WeightMatrix(byte* data, int rows, int cols, TensorType type)
    {
        Data = data;
        Rows = rows;
        Cols = cols;
        Type = type;
        RowBytes = checked((int)TensorTypes.ByteSize(type, cols));
    }

    public long ByteLength => (long)RowBytes * Rows;

    /// <summary>The stored bytes of row <paramref name="r"/>; a <see cref="TensorType.Q8_0x8"/> matrix has no contiguous
    /// rows, nor a <see cref="TensorType.Q4_Kx8"/> or <see cref="TensorType.Q6_Kx8"/> one (see <see cref="StoredRows.Get"/>).</summary>
    public ReadOnlySpan<byte> Row(int r) => Type is not (TensorType.Q8_0x8 or TensorType.Q4_Kx8 or TensorType.Q6_Kx8)
        ? new(Data + (long)r * RowBytes, RowBytes)
        : throw new InvalidOperationException($"a {Type} matrix is laid out in panels of 8 rows: read a row with StoredRows.Get");
}
