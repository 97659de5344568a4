using System.Buffers.Binary;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>The 4-, 5- and 6-bit block formats decode to the values their definition gives: blocks
/// built here field by field (scales that use the high bits of the packed 6-bit fields, every quant
/// level), decoded by the reference decoder and by the CPU backend's row reader; and the plain
/// encoders round-trip random values within the format's resolution.</summary>
public sealed class QuantizedBlockTests
{
    private const float D = 0.25f, DMin = 0.125f;
    private static readonly int[] Scales = [3, 10, 33, 63, 17, 48, 5, 62];
    private static readonly int[] Mins = [0, 63, 1, 40, 32, 15, 63, 7];

    [Fact]
    public void Q4_0_block_is_d_times_nibble_minus_8()
    {
        var block = new byte[18];
        BinaryPrimitives.WriteHalfLittleEndian(block, (Half)0.5f);
        for (int j = 0; j < 16; j++) block[2 + j] = (byte)(j | ((15 - j) << 4));
        var expected = new float[32];
        for (int j = 0; j < 16; j++)
        {
            expected[j] = 0.5f * (j - 8);
            expected[j + 16] = 0.5f * (15 - j - 8);
        }
        AssertDecodes(TensorType.Q4_0, block, expected);
    }

    [Fact]
    public void Q4_K_block_is_scaled_nibbles_minus_scaled_mins()
    {
        var block = new byte[144];
        WriteHeader(block);
        var expected = new float[256];
        for (int i = 0; i < 256; i++)
        {
            int q = i * 7 % 16, j = i / 32;
            // chunk of 64: 32 bytes, low nibbles first 32 values, high nibbles the next 32
            block[16 + 32 * (i / 64) + i % 32] |= (byte)(i % 64 < 32 ? q : q << 4);
            expected[i] = D * Scales[j] * q - DMin * Mins[j];
        }
        AssertDecodes(TensorType.Q4_K, block, expected);
    }

    [Fact]
    public void Q5_K_block_adds_the_fifth_bit_from_qh()
    {
        var block = new byte[176];
        WriteHeader(block);
        var expected = new float[256];
        for (int i = 0; i < 256; i++)
        {
            int q = i * 11 % 32, j = i / 32, c = i / 64;
            bool second = i % 64 >= 32;
            block[48 + 32 * c + i % 32] |= (byte)(second ? (q & 15) << 4 : q & 15);
            if (q >= 16) block[16 + i % 32] |= (byte)(1 << (2 * c + (second ? 1 : 0)));
            expected[i] = D * Scales[j] * q - DMin * Mins[j];
        }
        AssertDecodes(TensorType.Q5_K, block, expected);
    }

    [Fact]
    public void Q6_K_block_is_signed_group_scale_times_centred_quant()
    {
        var block = new byte[210];
        const float d = 0.0625f;
        BinaryPrimitives.WriteHalfLittleEndian(block.AsSpan(208), (Half)d);
        for (int g = 0; g < 16; g++) block[192 + g] = (byte)(sbyte)(g * 17 - 128);
        var expected = new float[256];
        for (int i = 0; i < 256; i++)
        {
            int q = i * 13 % 64;
            // a half of 128 values: value l + 32k takes ql[l + 32·(k mod 2)] (low nibble for k < 2) and
            // bits 2k..2k+1 of qh[l]
            int half = i / 128, k = i % 128 / 32, l = i % 32;
            block[64 * half + l + 32 * (k % 2)] |= (byte)(k < 2 ? q & 15 : (q & 15) << 4);
            block[128 + 32 * half + l] |= (byte)((q >> 4) << (2 * k));
            expected[i] = d * (sbyte)block[192 + i / 16] * (q - 32);
        }
        AssertDecodes(TensorType.Q6_K, block, expected);
    }

    // measured on uniform values in [−1, 1]: Q4_0 3.9e-3, Q4_K 3.5e-3, Q5_K 8.4e-4, Q6_K 2.1e-4
    [Theory]
    [InlineData(TensorType.Q4_0, 6e-3)]
    [InlineData(TensorType.Q4_K, 6e-3)]
    [InlineData(TensorType.Q5_K, 1.5e-3)]
    [InlineData(TensorType.Q6_K, 3e-4)]
    public void Encoded_values_come_back_within_the_format_resolution(TensorType type, double tolerance)
    {
        var values = TestData.Random(4 * 256, 41);
        var bytes = new byte[TensorTypes.ByteSize(type, values.Length)];
        QuantizedBlockEncoder.Encode(type, values, bytes);
        var back = new float[values.Length];
        RowDecoder.Decode(type, bytes, back);
        double nmse = TestData.Nmse(values, back);
        Assert.True(nmse < tolerance, $"{type}: nmse {nmse}");
    }

    [Theory]
    [InlineData(TensorType.Q4_0)]
    [InlineData(TensorType.Q4_K)]
    [InlineData(TensorType.Q5_K)]
    [InlineData(TensorType.Q6_K)]
    public void The_cpu_row_reader_widens_to_the_same_bits_as_the_definition(TensorType type)
    {
        const int rows = 3, cols = 512;
        using var w = new NativeMatrix(TestData.Random(rows * cols, 42, scale: 5), rows, cols, type);
        using var cpu = new CpuKernels(1);
        var expected = new float[cols];
        var actual = new float[cols];
        for (int r = 0; r < rows; r++)
        {
            RowDecoder.Decode(type, w.Matrix.Row(r), expected);
            cpu.ReadRow(w.Matrix, r, actual);
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>d, dmin and the 12 packed scale/min bytes of a Q4_K/Q5_K block: sub-blocks 0–3 in the
    /// low 6 bits of bytes 4+j (scale) and 8+j (min); 4–7 split into a low nibble in byte 12+j (scale low,
    /// min high) and 2 high bits on top of bytes 4+j (scale) and 8+j (min).</summary>
    private static void WriteHeader(byte[] block)
    {
        BinaryPrimitives.WriteHalfLittleEndian(block, (Half)D);
        BinaryPrimitives.WriteHalfLittleEndian(block.AsSpan(2), (Half)DMin);
        for (int j = 0; j < 4; j++)
        {
            block[4 + j] = (byte)(Scales[j] | (Scales[j + 4] >> 4) << 6);
            block[8 + j] = (byte)(Mins[j] | (Mins[j + 4] >> 4) << 6);
            block[12 + j] = (byte)((Scales[j + 4] & 15) | (Mins[j + 4] & 15) << 4);
        }
    }

    private static unsafe void AssertDecodes(TensorType type, byte[] block, float[] expected)
    {
        var decoded = new float[expected.Length];
        RowDecoder.Decode(type, block, decoded);
        Assert.Equal(expected, decoded);
        fixed (byte* p = block)
        {
            var w = new WeightMatrix(p, 1, expected.Length, type);
            using var cpu = new CpuKernels(1);
            var row = new float[expected.Length];
            cpu.ReadRow(w, 0, row);
            Assert.Equal(expected, row);
        }
    }
}
