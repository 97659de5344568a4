namespace Mesh.Kernels;

/// <summary>Element types of weight tensors. The numeric values are GGML's type ids, so a GGUF
/// tensor-info record maps onto this enum without a table.</summary>
public enum TensorType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    BF16 = 30,

    /// <summary>Not a file type: a Q8_0 matrix rearranged in memory at load into panels of 8 rows
    /// (<see cref="Q8Panels"/>), which the CPU backend reads in one stream. Never read from or written to a file.</summary>
    Q8_0x8 = 0x1008,

    /// <summary>Not a file type: a Q4_K matrix rearranged in memory at load into panels of 8 rows
    /// (<see cref="Q4KPanels"/>, 148 bytes per row and super-block instead of 144: the 6-bit scales unpacked).</summary>
    Q4_Kx8 = 0x100C,

    /// <summary>Not a file type: a Q6_K matrix rearranged in memory at load into panels of 8 rows
    /// (<see cref="Q6KPanels"/>, the same bytes).</summary>
    Q6_Kx8 = 0x100E,
}

/// <summary>Block geometry of each tensor type: how many elements a block holds and how many bytes
/// it takes. Plain types are blocks of one element.</summary>
public static class TensorTypes
{
    /// <summary>Elements per Q8_0 block: a float16 scale followed by 32 signed bytes.</summary>
    public const int Q8_0Block = 32;

    /// <summary>The types the engine runs: F32, F16, BF16, Q8_0, Q4_0 and the K-quants Q4_K, Q5_K, Q6_K
    /// (what Q4_K_M, Q5_K_M and Q6_K files hold).</summary>
    public static bool IsSupported(TensorType t) => t is TensorType.F32 or TensorType.F16 or TensorType.BF16 or TensorType.Q8_0
        or TensorType.Q8_0x8 or TensorType.Q4_0 or TensorType.Q4_K or TensorType.Q4_Kx8 or TensorType.Q5_K or TensorType.Q6_K
        or TensorType.Q6_Kx8;

    /// <summary>The supported types, as error messages list them.</summary>
    public const string SupportedList = "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K";

    /// <summary>Q4_K, Q5_K or Q6_K: super-blocks of 256 whose products take Q8_K activations.</summary>
    public static bool IsKQuant(TensorType t) => t is TensorType.Q4_K or TensorType.Q4_Kx8 or TensorType.Q5_K or TensorType.Q6_K or TensorType.Q6_Kx8;

    public static int BlockElements(TensorType t) => t switch
    {
        TensorType.F32 or TensorType.F16 or TensorType.BF16 => 1,
        TensorType.Q4_0 or TensorType.Q4_1 or TensorType.Q5_0 or TensorType.Q5_1 or TensorType.Q8_0 or TensorType.Q8_0x8 or TensorType.Q8_1 => 32,
        TensorType.Q2_K or TensorType.Q3_K or TensorType.Q4_K or TensorType.Q4_Kx8 or TensorType.Q5_K or TensorType.Q6_K or TensorType.Q6_Kx8 or TensorType.Q8_K => 256,
        _ => throw new NotSupportedException($"tensor type {(uint)t} is not known"),
    };

    public static int BlockBytes(TensorType t) => t switch
    {
        TensorType.F32 => 4,
        TensorType.F16 or TensorType.BF16 => 2,
        TensorType.Q4_0 => 18,
        TensorType.Q4_1 => 20,
        TensorType.Q5_0 => 22,
        TensorType.Q5_1 => 24,
        TensorType.Q8_0 or TensorType.Q8_0x8 => 34,
        TensorType.Q8_1 => 36,
        TensorType.Q2_K => 84,
        TensorType.Q3_K => 110,
        TensorType.Q4_K => 144,
        TensorType.Q4_Kx8 => Q4KPanels.RowBlockBytes,
        TensorType.Q5_K => 176,
        TensorType.Q6_K or TensorType.Q6_Kx8 => 210,
        TensorType.Q8_K => 292,
        _ => throw new NotSupportedException($"tensor type {(uint)t} is not known"),
    };

    /// <summary>Bytes taken by <paramref name="elements"/> elements; they must be whole blocks.</summary>
    public static long ByteSize(TensorType t, long elements)
    {
        int be = BlockElements(t);
        if (elements % be != 0)
            throw new ArgumentException($"{elements} elements is not a whole number of {t} blocks of {be}");
        return elements / be * BlockBytes(t);
    }

    /// <summary>Whether <paramref name="id"/> is a GGML type id this enum names (an in-memory layout such as
    /// <see cref="TensorType.Q8_0x8"/> or <see cref="TensorType.Q4_Kx8"/> is not one).</summary>
    public static bool IsKnown(uint id) => Enum.IsDefined(typeof(TensorType), id) && (TensorType)id is not (TensorType.Q8_0x8 or TensorType.Q4_Kx8 or TensorType.Q6_Kx8);
}
