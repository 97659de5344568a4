using System.Buffers.Binary;

namespace Mesh.Kernels;

/// <summary>Scalar conversion of stored rows to F32: the ground truth every faster path is tested
/// against.</summary>
public static class RowDecoder
{
    /// <summary>Decodes <paramref name="src"/> (a whole number of <paramref name="type"/> blocks)
    /// into dst[elements].</summary>
    public static void Decode(TensorType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        switch (type)
        {
            case TensorType.F32:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                break;
            case TensorType.F16:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(2 * i)..]);
                break;
            case TensorType.BF16:
                for (int i = 0; i < dst.Length; i++) dst[i] = Bf16ToFloat(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]));
                break;
            case TensorType.Q8_0:
                DecodeQ8_0(src, dst);
                break;
            case TensorType.Q4_0:
                QuantizedBlocks.DecodeQ4_0(src, dst);
                break;
            case TensorType.Q4_K:
                QuantizedBlocks.DecodeQ4_K(src, dst);
                break;
            case TensorType.Q5_K:
                QuantizedBlocks.DecodeQ5_K(src, dst);
                break;
            case TensorType.Q6_K:
                QuantizedBlocks.DecodeQ6_K(src, dst);
                break;
            default:
                throw new NotSupportedException($"no decoder for tensor type {type}");
        }
    }

    public static float Bf16ToFloat(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>Round-to-nearest-even F32 → BF16, NaN kept quiet.</summary>
    public static ushort FloatToBf16(float f)
    {
        uint u = BitConverter.SingleToUInt32Bits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (ushort)((u >> 16) | 0x40);
        return (ushort)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
    }

    /// <summary>Q8_0: blocks of [half d][32 × int8 q], value = d · q.</summary>
    private static void DecodeQ8_0(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int b = 0; b < dst.Length / TensorTypes.Q8_0Block; b++)
        {
            var block = src.Slice(b * 34, 34);
            float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            for (int j = 0; j < 32; j++) dst[b * 32 + j] = d * (sbyte)block[2 + j];
        }
    }

    /// <summary>ggml's reference Q8_0 quantisation of src[k·32] into dst[k·34].</summary>
    public static void EncodeQ8_0(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (int b = 0; b < src.Length / 32; b++)
        {
            var x = src.Slice(b * 32, 32);
            float amax = 0;
            foreach (float v in x) amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            var block = dst.Slice(b * 34, 34);
            BinaryPrimitives.WriteHalfLittleEndian(block, (Half)d);
            for (int j = 0; j < 32; j++) block[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }
}
