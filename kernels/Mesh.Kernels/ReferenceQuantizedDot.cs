using System.Buffers.Binary;

namespace Mesh.Kernels;

/// <summary>One quantised weight row · one token quantised by <see cref="ReferenceActivationQuantizer"/>,
/// written plainly: per block an exact integer sum of weight quants × activation quants, then the
/// scales, in block order in F32 with one fused multiply-add per term, as llama.cpp (and the CPU
/// backend) do. The block layouts are those of <see cref="QuantizedBlocks"/> and <see cref="RowDecoder"/>.
/// <list type="bullet">
/// <item>Q8_0, Q4_0 (Q8_0 activations q, d): per block of 32, acc = fma(Σ w·q, dw·d, acc) with w the
/// signed quants (Q4_0: nibble − 8).</item>
/// <item>Q4_K, Q5_K, Q6_K (Q8_K activations): a weight value of group g (16 values) is dw·s_g·u − dm·o_g
/// with u ≥ 0 its stored quant; per super-block S1 = Σ_g s_g·Σ u·q and S2 = Σ_g o_g·Σ q, then
/// acc = fma(S1, dw·d, acc) and acc = fma(S2, −(dm·d), acc). Q4_K/Q5_K: s, o = the sub-block's 6-bit scale
/// and min, dm = dmin; Q6_K: s = the group's int8 scale, o = 32·s, dm = dw.</item>
/// </list></summary>
public static class ReferenceQuantizedDot
{
    private const int Groups = QuantizedBlocks.SuperBlock / 16;

    /// <summary>row · token for a row of <paramref name="type"/> blocks and the token's quants q[cols] and
    /// block scales d[cols / block].</summary>
    public static float Row(TensorType type, ReadOnlySpan<byte> row, ReadOnlySpan<sbyte> q, ReadOnlySpan<float> d) => type switch
    {
        TensorType.Q8_0 => Q8_0(row, q, d),
        TensorType.Q4_0 => Q4_0(row, q, d),
        TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K => KQuant(type, row, q, d),
        _ => throw new NotSupportedException($"no quantised dot product for {type} weights"),
    };

    /// <summary>Q8_0 blocks: [half dw][32 × int8 w].</summary>
    private static float Q8_0(ReadOnlySpan<byte> row, ReadOnlySpan<sbyte> q, ReadOnlySpan<float> d)
    {
        const int bytes = 34;
        float acc = 0;
        for (int b = 0; b < q.Length / 32; b++)
        {
            var block = row.Slice(b * bytes, bytes);
            var x = q.Slice(b * 32, 32);
            int dot = 0;
            for (int j = 0; j < 32; j++) dot += (sbyte)block[2 + j] * x[j];
            acc = MathF.FusedMultiplyAdd(dot, Half(block) * d[b], acc);
        }
        return acc;
    }

    /// <summary>Q4_0 blocks: [half dw][16 bytes]; byte j holds value j (low nibble) and j + 16 (high), w = nibble − 8.</summary>
    private static float Q4_0(ReadOnlySpan<byte> row, ReadOnlySpan<sbyte> q, ReadOnlySpan<float> d)
    {
        float acc = 0;
        for (int b = 0; b < q.Length / 32; b++)
        {
            var block = row.Slice(b * QuantizedBlocks.Q4_0Bytes, QuantizedBlocks.Q4_0Bytes);
            var x = q.Slice(b * 32, 32);
            int dot = 0;
            for (int j = 0; j < 16; j++)
                dot += ((block[2 + j] & 0xF) - 8) * x[j] + ((block[2 + j] >> 4) - 8) * x[j + 16];
            acc = MathF.FusedMultiplyAdd(dot, Half(block) * d[b], acc);
        }
        return acc;
    }

    private static float KQuant(TensorType type, ReadOnlySpan<byte> row, ReadOnlySpan<sbyte> q, ReadOnlySpan<float> d)
    {
        int blockBytes = TensorTypes.BlockBytes(type);
        Span<int> quants = stackalloc int[QuantizedBlocks.SuperBlock];
        Span<int> scale = stackalloc int[Groups];
        Span<int> offset = stackalloc int[Groups];
        float acc = 0;
        for (int b = 0; b < q.Length / QuantizedBlocks.SuperBlock; b++)
        {
            var block = row.Slice(b * blockBytes, blockBytes);
            Unpack(type, block, quants, scale, offset, out float dw, out float dm);
            var x = q.Slice(b * QuantizedBlocks.SuperBlock, QuantizedBlocks.SuperBlock);
            int s1 = 0, s2 = 0;
            for (int g = 0; g < Groups; g++)
            {
                int dot = 0, sum = 0;
                for (int i = 16 * g; i < 16 * (g + 1); i++)
                {
                    dot += quants[i] * x[i];
                    sum += x[i];
                }
                s1 += scale[g] * dot;
                s2 += offset[g] * sum;
            }
            acc = MathF.FusedMultiplyAdd(s1, dw * d[b], acc);
            acc = MathF.FusedMultiplyAdd(s2, -(dm * d[b]), acc);
        }
        return acc;
    }

    /// <summary>A K-quant super-block as unsigned quants u[256], per-group scales s[16] and offsets o[16],
    /// and the two F32 scales: value i of group g = dw·s_g·u_i − dm·o_g.</summary>
    private static void Unpack(TensorType type, ReadOnlySpan<byte> block, Span<int> quants, Span<int> scale, Span<int> offset,
        out float dw, out float dm)
    {
        if (type == TensorType.Q6_K)
        {
            dw = dm = Half(block[208..]);
            for (int i = 0; i < QuantizedBlocks.SuperBlock; i++) quants[i] = QuantizedBlocks.Q6Value(block, i);
            for (int g = 0; g < Groups; g++)
            {
                scale[g] = (sbyte)block[192 + g];
                offset[g] = 32 * scale[g];
            }
            return;
        }
        // Q4_K: [half d][half dmin][12 bytes scales][128 bytes qs]; Q5_K adds [32 bytes qh] before qs.
        // Chunk c (values 64c..64c+63) takes qs[32c..32c+31]: low nibbles first, then high nibbles;
        // Q5_K's fifth bit of value 64c + 32h + l is bit 2c + h of qh[l].
        dw = Half(block);
        dm = Half(block[2..]);
        bool five = type == TensorType.Q5_K;
        var scales = block.Slice(4, 12);
        var qh = five ? block.Slice(16, 32) : default;
        var qs = block.Slice(five ? 48 : 16, 128);
        for (int i = 0; i < QuantizedBlocks.SuperBlock; i++)
        {
            int c = i / 64, h = i % 64 / 32, l = i % 32;
            int nibble = h == 0 ? qs[32 * c + l] & 0xF : qs[32 * c + l] >> 4;
            quants[i] = five ? nibble | (((qh[l] >> (2 * c + h)) & 1) << 4) : nibble;
        }
        for (int g = 0; g < Groups; g++)
        {
            var (sc, m) = QuantizedBlocks.ScaleMin(scales, g / 2);
            scale[g] = sc;
            offset[g] = m;
        }
    }

    private static float Half(ReadOnlySpan<byte> b) => (float)BinaryPrimitives.ReadHalfLittleEndian(b);
}
