using System.Buffers.Binary;

namespace Mesh.Kernels;

/// <summary>The 4-, 5- and 6-bit GGML block formats, decoded to F32 by plain scalar code: the
/// definition every faster path is tested against. All scales are IEEE halves, little-endian.
/// <list type="bullet">
/// <item>Q4_0 (32 values, 18 bytes): [half d][16 bytes qs]; byte j holds value j in its low nibble and
/// value j+16 in its high nibble; value = d·(q − 8).</item>
/// <item>Q4_K (256 values, 144 bytes): [half d][half dmin][12 bytes scales][128 bytes qs]; 8 sub-blocks of
/// 32 with a 6-bit scale sc and a 6-bit min m each (<see cref="ScaleMin"/>); the values come in 4 chunks of
/// 64 taking 32 bytes of qs: low nibbles are sub-block 2c, high nibbles sub-block 2c+1;
/// value = (d·sc)·q − dmin·m.</item>
/// <item>Q5_K (256 values, 176 bytes): [half d][half dmin][12 bytes scales][32 bytes qh][128 bytes qs]; as
/// Q4_K with a fifth bit per value: value i of chunk c takes bit 2c (low nibble) or 2c+1 (high nibble) of
/// qh[i mod 32] as 16.</item>
/// <item>Q6_K (256 values, 210 bytes): [128 bytes ql][64 bytes qh][16 × int8 scales][half d]; 16
/// sub-blocks of 16; two halves of 128 values take 64 bytes of ql and 32 of qh each: in a half, value
/// l + 32·k (l &lt; 32, k &lt; 4) has its low 4 bits in ql[l + 32·(k mod 2)] (low nibble for k &lt; 2,
/// high for k ≥ 2) and its high 2 bits at bit 2k of qh[l]; value = (d·sc)·(q − 32) with sc the scale of
/// sub-block ⌊(value index)/16⌋.</item>
/// </list></summary>
public static class QuantizedBlocks
{
    /// <summary>Values per K-quant super-block.</summary>
    public const int SuperBlock = 256;

    public const int Q4_0Bytes = 18, Q4_KBytes = 144, Q5_KBytes = 176, Q6_KBytes = 210;

    /// <summary>Sub-block <paramref name="j"/> (0..7) of a Q4_K/Q5_K super-block: its 6-bit scale and
    /// min. Sub-blocks 0..3 keep them in the low 6 bits of bytes j and j+4; 4..7 keep their low 4 bits in
    /// byte j+4 (scale: low nibble, min: high nibble) and their top 2 bits in the top bits of bytes
    /// j−4 (scale) and j (min).</summary>
    public static (int Scale, int Min) ScaleMin(ReadOnlySpan<byte> scales, int j) => j < 4
        ? (scales[j] & 63, scales[j + 4] & 63)
        : ((scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4), (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));

    public static void DecodeQ4_0(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int b = 0; b < dst.Length / 32; b++)
        {
            var block = src.Slice(b * Q4_0Bytes, Q4_0Bytes);
            float d = Half(block);
            var o = dst.Slice(b * 32, 32);
            for (int j = 0; j < 16; j++)
            {
                o[j] = d * ((block[2 + j] & 0xF) - 8);
                o[j + 16] = d * ((block[2 + j] >> 4) - 8);
            }
        }
    }

    public static void DecodeQ4_K(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int b = 0; b < dst.Length / SuperBlock; b++)
        {
            var block = src.Slice(b * Q4_KBytes, Q4_KBytes);
            float d = Half(block), dmin = Half(block[2..]);
            var scales = block.Slice(4, 12);
            var qs = block.Slice(16, 128);
            var o = dst.Slice(b * SuperBlock, SuperBlock);
            for (int c = 0; c < 4; c++)
            {
                var (sc0, m0) = ScaleMin(scales, 2 * c);
                var (sc1, m1) = ScaleMin(scales, 2 * c + 1);
                float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
                for (int l = 0; l < 32; l++)
                {
                    o[64 * c + l] = d0 * (qs[32 * c + l] & 0xF) - min0;
                    o[64 * c + 32 + l] = d1 * (qs[32 * c + l] >> 4) - min1;
                }
            }
        }
    }

    public static void DecodeQ5_K(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int b = 0; b < dst.Length / SuperBlock; b++)
        {
            var block = src.Slice(b * Q5_KBytes, Q5_KBytes);
            float d = Half(block), dmin = Half(block[2..]);
            var scales = block.Slice(4, 12);
            var qh = block.Slice(16, 32);
            var qs = block.Slice(48, 128);
            var o = dst.Slice(b * SuperBlock, SuperBlock);
            for (int c = 0; c < 4; c++)
            {
                var (sc0, m0) = ScaleMin(scales, 2 * c);
                var (sc1, m1) = ScaleMin(scales, 2 * c + 1);
                float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
                for (int l = 0; l < 32; l++)
                {
                    int lo = (qs[32 * c + l] & 0xF) | (((qh[l] >> (2 * c)) & 1) << 4);
                    int hi = (qs[32 * c + l] >> 4) | (((qh[l] >> (2 * c + 1)) & 1) << 4);
                    o[64 * c + l] = d0 * lo - min0;
                    o[64 * c + 32 + l] = d1 * hi - min1;
                }
            }
        }
    }

    public static void DecodeQ6_K(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int b = 0; b < dst.Length / SuperBlock; b++)
        {
            var block = src.Slice(b * Q6_KBytes, Q6_KBytes);
            float d = Half(block[208..]);
            var o = dst.Slice(b * SuperBlock, SuperBlock);
            for (int i = 0; i < SuperBlock; i++)
            {
                int q = Q6Value(block, i);
                int sc = (sbyte)block[192 + i / 16];
                o[i] = d * sc * (q - 32);
            }
        }
    }

    /// <summary>The 6-bit quant (0..63) of value <paramref name="i"/> of a Q6_K super-block.</summary>
    public static int Q6Value(ReadOnlySpan<byte> block, int i)
    {
        int half = i / 128, r = i % 128, k = r / 32, l = r % 32;
        byte lowByte = block[64 * half + l + 32 * (k % 2)];
        int low = k < 2 ? lowByte & 0xF : lowByte >> 4;
        int high = (block[128 + 32 * half + l] >> (2 * k)) & 3;
        return low | (high << 4);
    }

    private static float Half(ReadOnlySpan<byte> b) => (float)BinaryPrimitives.ReadHalfLittleEndian(b);
}
