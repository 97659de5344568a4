using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels;

/// <summary>
/// The <see cref="TensorType.Q8_0x8"/> layout: a Q8_0 matrix as panels of 8 consecutive rows, each panel the
/// same bytes as its 8 rows in Q8_0 (8 · blocks · 34), rearranged block by block so that a one-token product
/// reads one stream and needs no reduction across lanes:
/// <code>
/// panel p (rows 8p … 8p+7) at data + p · 8 · rowBytes; block b (columns 32b … 32b+31) at panel + b · 272:
///   [ 8 × half d          ]  16 bytes, row order
///   [ group g = 0 … 7:     ]  8 × 32 bytes: columns 32b+4g … 32b+4g+3 of rows 0 … 7, 4 bytes per row,
///   [   8 rows × 4 × q⊕0x80]  each quant stored as q + 128 (unsigned; the sign bit flipped)
/// </code>
/// A VNNI decode step is then one 32-byte load per group against the token's 4 bytes broadcast (lanes = rows,
/// the block's integer dots in lane order), and a block's scales one 16-byte load.
/// </summary>
public static unsafe class Q8Panels
{
    public const int Rows = 8;
    /// <summary>Bytes of one block across the panel's 8 rows.</summary>
    public const int BlockBytes = Rows * Q8Block;
    /// <summary>Offset of the first quant group in a panel block (after the 8 scales).</summary>
    public const int QuantOffset = 2 * Rows;
    private const int Q8Block = 34;

    /// <summary>Whether a Q8_0 matrix of this shape can be laid out as panels (whole panels of 8 rows).</summary>
    public static bool Fits(int rows, int cols) => rows > 0 && rows % Rows == 0 && cols % TensorTypes.Q8_0Block == 0;

    /// <summary>Rewrites the Q8_0 matrix at <paramref name="src"/> [rows, cols] as panels at <paramref name="dst"/>
    /// (the same byte count; the two must not overlap). Rows [row0, row1) only (whole panels), so callers can split it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Repack(byte* src, byte* dst, int cols, int row0, int row1)
    {
        int nb = cols / TensorTypes.Q8_0Block, rowBytes = nb * Q8Block;
        for (int r0 = row0; r0 < row1; r0 += Rows)
        {
            byte* panelSrc = src + (long)r0 * rowBytes, panel = dst + (long)r0 * rowBytes;
            for (int b = 0; b < nb; b++)
            {
                byte* o = panel + (long)b * BlockBytes, block = panelSrc + b * Q8Block;
                for (int r = 0; r < Rows; r++) ((ushort*)o)[r] = *(ushort*)(block + (long)r * rowBytes);
                if (Avx2.IsSupported) DwordTranspose.Run(block + 2, rowBytes, o + QuantOffset, 32, 0x80808080u);
                else
                {
                    for (int r = 0; r < Rows; r++)
                    for (int g = 0; g < 8; g++)
                        *(uint*)(o + QuantOffset + g * 32 + r * 4) = *(uint*)(block + (long)r * rowBytes + 2 + g * 4) ^ 0x80808080u;
                }
            }
        }
    }

    /// <summary>Row <paramref name="row"/> of a panel matrix at <paramref name="data"/> written back as a Q8_0 row
    /// into dst[blocks · 34].</summary>
    public static void UnpackRow(byte* data, int cols, int row, Span<byte> dst)
    {
        int nb = cols / TensorTypes.Q8_0Block, rowBytes = nb * Q8Block, r = row % Rows;
        if (dst.Length < rowBytes) throw new ArgumentException($"a {cols}-column Q8_0 row takes {rowBytes} bytes, given {dst.Length}");
        byte* panel = data + (long)(row - r) * rowBytes;
        fixed (byte* o = dst)
        {
            for (int b = 0; b < nb; b++)
            {
                byte* block = panel + (long)b * BlockBytes, ob = o + b * Q8Block;
                *(ushort*)ob = ((ushort*)block)[r];
                for (int g = 0; g < 8; g++)
                    *(uint*)(ob + 2 + g * 4) = *(uint*)(block + QuantOffset + g * 32 + r * 4) ^ 0x80808080u;
            }
        }
    }
}
