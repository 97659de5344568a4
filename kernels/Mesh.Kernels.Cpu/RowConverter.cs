using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Mesh.Kernels.Cpu;

/// <summary>Vectorised conversion of one stored weight row to F32, into a per-thread scratch row
/// that is allocated once per thread and reused.</summary>
internal static unsafe class RowConverter
{
    [ThreadStatic] private static float[]? t_scratch;

    public static Span<float> Scratch(int length)
    {
        if (t_scratch is null || t_scratch.Length < length) t_scratch = new float[length];
        return t_scratch.AsSpan(0, length);
    }

    /// <summary>Row <paramref name="r"/> of <paramref name="w"/> as F32 in dst[w.Cols]; returns dst.</summary>
    public static Span<float> ToFloat(in WeightMatrix w, int r, Span<float> dst)
    {
        byte* src = w.Data + (long)r * w.RowBytes;
        int cols = w.Cols;
        switch (w.Type)
        {
            case TensorType.F32:
                new ReadOnlySpan<float>(src, cols).CopyTo(dst);
                break;
            case TensorType.F16:
                TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(src, cols), dst);
                break;
            case TensorType.BF16:
                var bits = new ReadOnlySpan<ushort>(src, cols);
                var asInt = MemoryMarshal.Cast<float, int>(dst);
                for (int i = 0; i < cols; i++) asInt[i] = bits[i] << 16;
                break;
            case TensorType.Q8_0:
                for (int b = 0; b < cols / 32; b++)
                {
                    byte* block = src + b * 34;
                    float d = (float)*(Half*)block;
                    sbyte* q = (sbyte*)(block + 2);
                    var o = dst.Slice(b * 32, 32);
                    for (int j = 0; j < 32; j++) o[j] = d * q[j];
                }
                break;
            default:
                throw new NotSupportedException($"the CPU backend cannot run tensor type {w.Type}");
        }
        return dst;
    }
}
