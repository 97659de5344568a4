using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Mesh.Kernels;

namespace Mesh.Engine.Formats;

/// <summary>Conversions between F32 and the 16-bit float types as the model files store them
/// (IEEE half, bfloat16), all little-endian, rounding to nearest even.</summary>
public static class FloatCodec
{
    public static float BF16ToFloat(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>Rounds to nearest even; NaN stays a (quiet) NaN.</summary>
    public static ushort FloatToBF16(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7fffffff) > 0x7f800000) return (ushort)((u >> 16) | 64);
        return (ushort)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
    }

    /// <summary>Reads <paramref name="count"/> values of an F32, F16 or BF16 tensor as floats
    /// (used for norm weights and biases, which are small).</summary>
    public static float[] ToFloats(ReadOnlySpan<byte> data, TensorType type, int count)
    {
        var result = new float[count];
        switch (type)
        {
            case TensorType.F32:
                MemoryMarshal.Cast<byte, float>(data[..(count * 4)]).CopyTo(result);
                break;
            case TensorType.F16:
                for (int i = 0; i < count; i++)
                    result[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(data[(i * 2)..]));
                break;
            case TensorType.BF16:
                for (int i = 0; i < count; i++)
                    result[i] = BF16ToFloat(BinaryPrimitives.ReadUInt16LittleEndian(data[(i * 2)..]));
                break;
            default:
                throw new ArgumentException($"{type} is not a float type");
        }
        return result;
    }

    /// <summary>Encodes <paramref name="values"/> as F32, F16, BF16 or Q8_0 into <paramref name="destination"/>,
    /// which must hold exactly <see cref="TensorTypes.ByteSize"/> bytes.</summary>
    public static void Encode(ReadOnlySpan<float> values, TensorType type, Span<byte> destination)
    {
        switch (type)
        {
            case TensorType.F32:
                MemoryMarshal.AsBytes(values).CopyTo(destination);
                break;
            case TensorType.F16:
                for (int i = 0; i < values.Length; i++)
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], BitConverter.HalfToUInt16Bits((Half)values[i]));
                break;
            case TensorType.BF16:
                for (int i = 0; i < values.Length; i++)
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], FloatToBF16(values[i]));
                break;
            case TensorType.Q8_0:
                Q8_0Codec.Quantize(values, destination);
                break;
            default:
                throw new ArgumentException($"cannot encode {type}");
        }
    }
}
