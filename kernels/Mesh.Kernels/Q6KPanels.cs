using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels;

/// <summary>
/// The <see cref="TensorType.Q6_Kx8"/> layout: a Q6_K matrix as panels of 8 consecutive rows, the same bytes as the
/// rows, arranged so that a one-token product keeps the rows in the lanes of a vector:
/// <code>
/// panel p (rows 8p … 8p+7) at data + p · 8 · rowBytes; super-block b at panel + b · 1680:
///   [   0] 8 × half d                 row order
///   [  16] scales [group g = 0…15][row], int8
///   [ 144] quants [half h = 0, 1][m = 0…7] × 96 bytes: the row's ql[64h + 4m …], ql[64h + 32 + 4m …] and
///          qh[32h + 4m …], 4 bytes each, as 3 × (8 rows × 4 bytes)
/// </code>
/// so one (h, m) step holds quarters k = 0…3 of values 128h + 32k + 4m … 4m + 3 of all 8 rows: low nibbles of the
/// first ql vector (k = 0) and of the second (k = 1), their high nibbles (k = 2, 3), and bits 2k, 2k + 1 of qh.
/// </summary>
public static unsafe class Q6KPanels
{
    public const int Rows = 8;
    /// <summary>Bytes of one super-block across the panel's 8 rows.</summary>
    public const int BlockBytes = Rows * Q6KBytes;
    public const int DOffset = 0, ScaleOffset = 16, QuantOffset = 144;
    private const int Q6KBytes = 210;

    /// <summary>Whether a Q6_K matrix of this shape can be laid out as panels (whole panels of 8 rows).</summary>
    public static bool Fits(int rows, int cols) => rows > 0 && rows % Rows == 0 && cols % 256 == 0;

    /// <summary>Rewrites rows [row0, row1) (whole panels) of the Q6_K matrix at <paramref name="src"/> as panels at
    /// <paramref name="dst"/> (the same byte count; the two must not overlap).</summary>
    public static void Repack(byte* src, byte* dst, int cols, int row0, int row1)
    {
        int nb = cols / 256;
        for (int r0 = row0; r0 < row1; r0 += Rows)
            for (int b = 0; b < nb; b++)
            {
                byte* o = dst + ((long)r0 * nb + (long)b * Rows) * Q6KBytes;
                for (int r = 0; r < Rows; r++)
                    Move(src + ((long)(r0 + r) * nb + b) * Q6KBytes, o, r, toPanel: true);
            }
    }

    /// <summary>Row <paramref name="row"/> of a panel matrix at <paramref name="data"/> written back as a Q6_K row
    /// (the file's bytes) into dst[super-blocks · 210].</summary>
    public static void UnpackRow(byte* data, int cols, int row, Span<byte> dst)
    {
        int nb = cols / 256, r = row % Rows;
        if (dst.Length < nb * Q6KBytes) throw new ArgumentException($"a {cols}-column Q6_K row takes {nb * Q6KBytes} bytes, given {dst.Length}");
        fixed (byte* d = dst)
            for (int b = 0; b < nb; b++)
                Move(d + b * Q6KBytes, data + ((long)(row - r) * nb + (long)b * Rows) * Q6KBytes, r, toPanel: false);
    }

    /// <summary>The 8 rows of the panel at <paramref name="panel"/> as Q6_K rows at <paramref name="dst"/> (stride super-blocks · 210).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UnpackPanel(byte* panel, int cols, byte* dst)
    {
        int nb = cols / 256;
        if (!Avx2.IsSupported)
        {
            for (int r = 0; r < Rows; r++)
                for (int b = 0; b < nb; b++)
                    Move(dst + ((long)r * nb + b) * Q6KBytes, panel + (long)b * BlockBytes, r, toPanel: false);
            return;
        }
        nint rowBytes = nb * Q6KBytes;
        for (int b = 0; b < nb; b++)
        {
            byte* o = panel + (long)b * BlockBytes, block = dst + b * Q6KBytes;
            for (int r = 0; r < Rows; r++)
            {
                byte* row = block + r * rowBytes;
                *(ushort*)(row + 208) = ((ushort*)(o + DOffset))[r];
                for (int g = 0; g < 16; g++) row[192 + g] = o[ScaleOffset + g * Rows + r];
            }
            // per half and vector kind: steps m = 0…7 (stride 96) back to each row's 32 contiguous bytes
            for (int h = 0; h < 2; h++)
            {
                byte* steps = o + QuantOffset + h * 8 * 96;
                DwordTranspose.Run(steps, 96, block + 64 * h, rowBytes, 0);
                DwordTranspose.Run(steps + 32, 96, block + 64 * h + 32, rowBytes, 0);
                DwordTranspose.Run(steps + 64, 96, block + 128 + 32 * h, rowBytes, 0);
            }
        }
    }

    /// <summary>Row r's super-block (at <paramref name="block"/>, the file's layout) to or from its place in a panel
    /// super-block (at <paramref name="o"/>).</summary>
    private static void Move(byte* block, byte* o, int r, bool toPanel)
    {
        if (toPanel)
        {
            ((ushort*)(o + DOffset))[r] = *(ushort*)(block + 208);
            for (int g = 0; g < 16; g++) o[ScaleOffset + g * Rows + r] = block[192 + g];
        }
        else
        {
            *(ushort*)(block + 208) = ((ushort*)(o + DOffset))[r];
            for (int g = 0; g < 16; g++) block[192 + g] = o[ScaleOffset + g * Rows + r];
        }
        for (int h = 0; h < 2; h++)
            for (int m = 0; m < 8; m++)
            {
                uint* step = (uint*)(o + QuantOffset + (h * 8 + m) * 96) + r;
                uint* ql0 = (uint*)(block + 64 * h + 4 * m), ql1 = (uint*)(block + 64 * h + 32 + 4 * m), qh = (uint*)(block + 128 + 32 * h + 4 * m);
                if (toPanel) { step[0] = *ql0; step[8] = *ql1; step[16] = *qh; }
                else { *ql0 = step[0]; *ql1 = step[8]; *qh = step[16]; }
            }
    }
}
