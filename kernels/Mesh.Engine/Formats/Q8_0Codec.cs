using System.Buffers.Binary;
using Mesh.Kernels;

namespace Mesh.Engine.Formats;

/// <summary>GGML's Q8_0: blocks of 32 values stored as an IEEE-half scale d = max|x| / 127
/// followed by 32 signed bytes q = round(x / d) (all zero when d is zero).</summary>
public static class Q8_0Codec
{
    private const int Block = TensorTypes.Q8_0Block;
    private const int BlockBytes = 2 + Block;

    /// <summary>Quantizes <paramref name="values"/> (a whole number of blocks) into
    /// <paramref name="destination"/> (34 bytes per block), as ggml's reference quantizer does:
    /// the values are multiplied by 1/d and rounded half away from zero.</summary>
    public static void Quantize(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (values.Length % Block != 0)
            throw new ArgumentException($"{values.Length} values is not a whole number of Q8_0 blocks of {Block}");
        int blocks = values.Length / Block;
        if (destination.Length < blocks * BlockBytes)
            throw new ArgumentException($"Q8_0 of {values.Length} values needs {blocks * BlockBytes} bytes");
        for (int b = 0; b < blocks; b++)
        {
            var x = values.Slice(b * Block, Block);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            float amax = 0;
            foreach (float v in x) amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, BitConverter.HalfToUInt16Bits((Half)d));
            for (int j = 0; j < Block; j++)
                y[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>The values a Q8_0 buffer stands for: d · q.</summary>
    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> values)
    {
        int blocks = values.Length / Block;
        for (int b = 0; b < blocks; b++)
        {
            var y = source.Slice(b * BlockBytes, BlockBytes);
            float d = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(y));
            for (int j = 0; j < Block; j++)
                values[b * Block + j] = d * (sbyte)y[2 + j];
        }
    }
}
