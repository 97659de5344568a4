using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Mesh.Kernels;

namespace Mesh.Kernels.Tests;

/// <summary>A weight matrix in native memory, encoded from F32 values in any supported type.</summary>
internal sealed unsafe class NativeMatrix : IDisposable
{
    private readonly byte* _data;
    public WeightMatrix Matrix { get; }

    public NativeMatrix(float[] values, int rows, int cols, TensorType type)
    {
        long bytes = TensorTypes.ByteSize(type, (long)rows * cols);
        _data = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        var dst = new Span<byte>(_data, (int)bytes);
        switch (type)
        {
            case TensorType.F32: MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(dst); break;
            case TensorType.F16: for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(dst[(2 * i)..], (Half)values[i]); break;
            case TensorType.BF16: for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], RowDecoder.FloatToBf16(values[i])); break;
            case TensorType.Q8_0: RowDecoder.EncodeQ8_0(values, dst); break;
            case TensorType.Q4_0 or TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K: QuantizedBlockEncoder.Encode(type, values, dst); break;
            default: throw new NotSupportedException(type.ToString());
        }
        Matrix = new WeightMatrix(_data, rows, cols, type);
    }

    /// <summary>A matrix over <paramref name="raw"/> bytes already in <paramref name="type"/>'s layout.</summary>
    public NativeMatrix(ReadOnlySpan<byte> raw, int rows, int cols, TensorType type)
    {
        if (raw.Length != TensorTypes.ByteSize(type, (long)rows * cols)) throw new ArgumentException($"{raw.Length} bytes for [{rows},{cols}] {type}");
        _data = (byte*)NativeMemory.AlignedAlloc((nuint)raw.Length, 64);
        raw.CopyTo(new Span<byte>(_data, raw.Length));
        Matrix = new WeightMatrix(_data, rows, cols, type);
    }

    public void Dispose() => NativeMemory.AlignedFree(_data);
}

internal static class TestData
{
    public static float[] Random(int n, int seed, float scale = 1f)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(r.NextDouble() * 2 - 1) * scale;
        return a;
    }

    /// <summary>Normalised mean squared error, the measure ggml's backend tests use.</summary>
    public static double Nmse(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double err = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = expected[i] - actual[i];
            err += d * d;
            norm += (double)expected[i] * expected[i];
        }
        return norm == 0 ? err : err / norm;
    }
}
