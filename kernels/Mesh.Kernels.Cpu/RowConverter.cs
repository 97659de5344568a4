using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.InteropServices;

namespace Mesh.Kernels.Cpu;

/// <summary>Vectorised conversion of stored weight rows to F32. Every path produces the same values
/// (F16/BF16 widen exactly; Q8_0 is the one rounded product d·q per element; the 4/5/6-bit types
/// round as the scalar definitions in <see cref="QuantizedBlocks"/> do), so which path converted a row
/// never changes a result. Scratch panels are per thread, allocated once and pinned.</summary>
internal static unsafe class RowConverter
{
    [ThreadStatic] private static float[]? t_panel;
    [ThreadStatic] private static byte[]? t_fileRow;

    /// <summary>A pinned per-thread scratch of at least <paramref name="floats"/> floats.</summary>
    public static float* Scratch(int floats)
    {
        if (t_panel is null || t_panel.Length < floats) t_panel = GC.AllocateUninitializedArray<float>(floats, pinned: true);
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(t_panel));
    }

    /// <summary>Row <paramref name="r"/> of <paramref name="w"/> as F32 into dst[w.Cols].</summary>
    public static void ToFloat(in WeightMatrix w, int r, float* dst)
    {
        byte* src = w.Data + (long)r * w.RowBytes;
        int cols = w.Cols;
        switch (w.Type)
        {
            case TensorType.F32:
                Buffer.MemoryCopy(src, dst, (long)cols * 4, (long)cols * 4);
                break;
            case TensorType.F16:
                HalfWidener.ToSingle((ushort*)src, dst, cols);
                break;
            case TensorType.BF16:
                Bf16ToFloat((ushort*)src, dst, cols);
                break;
            case TensorType.Q8_0:
                Q8_0ToFloat(src, dst, cols);
                break;
            case TensorType.Q8_0x8 or TensorType.Q4_Kx8 or TensorType.Q6_Kx8:
                // the exact mode and row reads only: the row as the file stored it first
                int bytes = StoredRows.FileRowBytes(w);
                if (t_fileRow is null || t_fileRow.Length < bytes) t_fileRow = new byte[bytes];
                StoredRows.Get(w, r, t_fileRow);
                fixed (byte* row = t_fileRow) ToFloat(new WeightMatrix(row, 1, cols, StoredRows.FileType(w.Type)), 0, dst);
                break;
            case TensorType.Q4_0 when Avx2.IsSupported:
                QuantizedWidener.Q4_0(src, dst, cols);
                break;
            case TensorType.Q4_K when Avx2.IsSupported:
                QuantizedWidener.KQuant<Q4KFormat>(src, dst, cols);
                break;
            case TensorType.Q5_K when Avx2.IsSupported:
                QuantizedWidener.KQuant<Q5KFormat>(src, dst, cols);
                break;
            case TensorType.Q6_K when Avx2.IsSupported:
                QuantizedWidener.KQuant<Q6KFormat>(src, dst, cols);
                break;
            case TensorType.Q4_0 or TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K:
                RowDecoder.Decode(w.Type, new ReadOnlySpan<byte>(src, w.RowBytes), new Span<float>(dst, cols));
                break;
            default:
                throw new NotSupportedException($"the CPU backend cannot run tensor type {w.Type}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Bf16ToFloat(ushort* src, float* dst, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Load(src + i));
                (lo << 16).AsSingle().Store(dst + i);
                (hi << 16).AsSingle().Store(dst + i + 8);
            }
        }
        for (; i < n; i++) dst[i] = BitConverter.Int32BitsToSingle(src[i] << 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q8_0ToFloat(byte* src, float* dst, int n)
    {
        int nb = n / 32;
        float* scales = stackalloc float[nb];
        BlockScales(src, nb, scales);
        for (int b = 0; b < nb; b++)
        {
            sbyte* q = (sbyte*)(src + b * 34 + 2);
            float d = scales[b];
            float* o = dst + b * 32;
            if (Avx512F.IsSupported)
            {
                var vd = Vector512.Create(d);
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q))) * vd).Store(o);
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q + 16))) * vd).Store(o + 16);
            }
            else if (Avx2.IsSupported)
            {
                var vd = Vector256.Create(d);
                for (int j = 0; j < 32; j += 8)
                    (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q + j)) * vd).Store(o + j);
            }
            else
            {
                for (int j = 0; j < 32; j++) o[j] = d * q[j];
            }
        }
    }

    /// <summary>The F16 scales of a Q8_0 row's nb blocks as F32, 8 at a time by gather (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BlockScales(byte* src, int nb, float* scales)
    {
        int b = 0;
        if (Avx2.IsSupported)
        {
            var offsets = Vector256.Create(0, 34, 68, 102, 136, 170, 204, 238);
            for (; b + 8 <= nb; b += 8)
                HalfWidener.Widen8(Avx2.GatherVector256((int*)(src + b * 34), offsets, 1)).Store(scales + b);
        }
        for (; b < nb; b++) scales[b] = (float)Unsafe.ReadUnaligned<Half>(src + b * 34);
    }
}
