using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels;

/// <summary>
/// The <see cref="TensorType.Q4_Kx8"/> layout: a Q4_K matrix as panels of 8 consecutive rows, arranged so that a
/// one-token product keeps the rows in the lanes of a vector (as <see cref="Q8Panels"/> does for Q8_0):
/// <code>
/// panel p (rows 8p … 8p+7) at data + p · 8 · rowBytes (rowBytes = super-blocks · 148); super-block b at panel + b · 1184:
///   [   0] 8 × half d      row order
///   [  16] 8 × half dmin   row order
///   [  32] scale  [sub-block j = 0…7][row] bytes (the 6-bit values, unpacked)
///   [  96] min    [sub-block j][row] bytes
///   [ 160] quants [pair c = 0…3][group g = 0…7][row][4 bytes]: the file's bytes 32c + 4g … 32c + 4g + 3 of the row's
///          quants, whose low nibbles are values 64c + 4g + i of sub-block 2c and high nibbles values 64c + 32 + 4g + i
///          of sub-block 2c + 1
/// </code>
/// 1184 bytes for 8 rows' super-blocks instead of 1152 (the scales unpacked), and lossless: <see cref="UnpackRow"/>
/// gives back the file's bytes.
/// </summary>
public static unsafe class Q4KPanels
{
    public const int Rows = 8;
    /// <summary>Bytes of one super-block across the panel's 8 rows.</summary>
    public const int BlockBytes = 1184;
    /// <summary>Bytes per row and super-block, as <see cref="TensorTypes.BlockBytes"/> counts them.</summary>
    public const int RowBlockBytes = BlockBytes / Rows;
    public const int DOffset = 0, DMinOffset = 16, ScaleOffset = 32, MinOffset = 96, QuantOffset = 160;
    private const int Q4KBytes = 144;

    /// <summary>Whether a Q4_K matrix of this shape can be laid out as panels (whole panels of 8 rows).</summary>
    public static bool Fits(int rows, int cols) => rows > 0 && rows % Rows == 0 && cols % 256 == 0;

    /// <summary>Rewrites rows [row0, row1) (whole panels) of the Q4_K matrix at <paramref name="src"/> as panels at
    /// <paramref name="dst"/>, which holds the whole panel matrix (rows · cols / 256 · 148 bytes).</summary>
    public static void Repack(byte* src, byte* dst, int cols, int row0, int row1)
    {
        int nb = cols / 256;
        for (int r0 = row0; r0 < row1; r0 += Rows)
            for (int b = 0; b < nb; b++)
            {
                byte* o = dst + ((long)r0 * nb + (long)b * Rows) * RowBlockBytes;
                for (int r = 0; r < Rows; r++)
                {
                    byte* block = src + ((long)(r0 + r) * nb + b) * Q4KBytes;
                    ((ushort*)(o + DOffset))[r] = ((ushort*)block)[0];
                    ((ushort*)(o + DMinOffset))[r] = ((ushort*)block)[1];
                    var scales = new ReadOnlySpan<byte>(block + 4, 12);
                    for (int j = 0; j < 8; j++)
                    {
                        var (sc, m) = QuantizedBlocks.ScaleMin(scales, j);
                        o[ScaleOffset + j * Rows + r] = (byte)sc;
                        o[MinOffset + j * Rows + r] = (byte)m;
                    }
                    for (int c = 0; c < 4; c++)
                        for (int g = 0; g < 8; g++)
                            *(uint*)(o + QuantOffset + (c * 8 + g) * 32 + r * 4) = *(uint*)(block + 16 + 32 * c + 4 * g);
                }
            }
    }

    /// <summary>Row <paramref name="row"/> of a panel matrix at <paramref name="data"/> written back as a Q4_K row
    /// (the file's bytes) into dst[super-blocks · 144].</summary>
    public static void UnpackRow(byte* data, int cols, int row, Span<byte> dst)
    {
        int nb = cols / 256, r = row % Rows;
        if (dst.Length < nb * Q4KBytes) throw new ArgumentException($"a {cols}-column Q4_K row takes {nb * Q4KBytes} bytes, given {dst.Length}");
        fixed (byte* d = dst)
            for (int b = 0; b < nb; b++)
                UnpackBlock(data + ((long)(row - r) * nb + (long)b * Rows) * RowBlockBytes, r, d + b * Q4KBytes);
    }

    /// <summary>The 8 rows of the panel at <paramref name="panel"/> as Q4_K rows at <paramref name="dst"/> (stride super-blocks · 144).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UnpackPanel(byte* panel, int cols, byte* dst)
    {
        int nb = cols / 256;
        if (!Avx2.IsSupported)
        {
            for (int r = 0; r < Rows; r++)
                for (int b = 0; b < nb; b++)
                    UnpackBlock(panel + (long)b * BlockBytes, r, dst + ((long)r * nb + b) * Q4KBytes);
            return;
        }
        nint rowBytes = nb * Q4KBytes;
        for (int b = 0; b < nb; b++)
        {
            byte* o = panel + (long)b * BlockBytes, block = dst + b * Q4KBytes;
            for (int r = 0; r < Rows; r++) Header(o, r, block + r * rowBytes);
            // pair c: 8 groups × (8 rows × 4 bytes) back to each row's 32 bytes of quants
            for (int c = 0; c < 4; c++) DwordTranspose.Run(o + QuantOffset + c * 256, 32, block + 16 + 32 * c, rowBytes, 0);
        }
    }

    /// <summary>Row r's super-block from a panel super-block, the 6-bit scales packed back as the file had them.</summary>
    private static void UnpackBlock(byte* o, int r, byte* block)
    {
        Header(o, r, block);
        for (int c = 0; c < 4; c++)
            for (int g = 0; g < 8; g++)
                *(uint*)(block + 16 + 32 * c + 4 * g) = *(uint*)(o + QuantOffset + (c * 8 + g) * 32 + r * 4);
    }

    /// <summary>Row r's d, dmin and packed scales (the first 16 bytes of its super-block) from a panel super-block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Header(byte* o, int r, byte* block)
    {
        ((ushort*)block)[0] = ((ushort*)(o + DOffset))[r];
        ((ushort*)block)[1] = ((ushort*)(o + DMinOffset))[r];
        byte* scales = block + 4;
        for (int j = 0; j < 4; j++)
        {
            int sc = o[ScaleOffset + j * Rows + r], m = o[MinOffset + j * Rows + r];
            int sc4 = o[ScaleOffset + (j + 4) * Rows + r], m4 = o[MinOffset + (j + 4) * Rows + r];
            scales[j] = (byte)(sc | (sc4 >> 4) << 6);
            scales[j + 4] = (byte)(m | (m4 >> 4) << 6);
            scales[j + 8] = (byte)((sc4 & 0xF) | (m4 & 0xF) << 4);
        }
    }
}
