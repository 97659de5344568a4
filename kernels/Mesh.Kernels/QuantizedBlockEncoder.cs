using System.Buffers.Binary;

namespace Mesh.Kernels;

/// <summary>Plain round-to-nearest encoders for the 4-, 5- and 6-bit block formats of
/// <see cref="QuantizedBlocks"/>, for synthetic weights (tests, benchmarks). They choose scales from
/// each block's range and do not search for the error-minimising scales llama.cpp's quantizer finds,
/// so real model files should come from llama.cpp; the bytes they write are valid blocks either way.</summary>
public static class QuantizedBlockEncoder
{
    /// <summary>Encodes <paramref name="src"/> (whole blocks of <paramref name="type"/>) into dst.</summary>
    public static void Encode(TensorType type, ReadOnlySpan<float> src, Span<byte> dst)
    {
        int be = TensorTypes.BlockElements(type), bb = TensorTypes.BlockBytes(type);
        if (src.Length % be != 0 || dst.Length < src.Length / be * bb)
            throw new ArgumentException($"{src.Length} values into {dst.Length} bytes is not a whole number of {type} blocks");
        for (int b = 0; b < src.Length / be; b++)
        {
            var x = src.Slice(b * be, be);
            var block = dst.Slice(b * bb, bb);
            switch (type)
            {
                case TensorType.Q4_0: EncodeQ4_0(x, block); break;
                case TensorType.Q4_K: EncodeScaleMin(x, block, bits: 4); break;
                case TensorType.Q5_K: EncodeScaleMin(x, block, bits: 5); break;
                case TensorType.Q6_K: EncodeQ6_K(x, block); break;
                default: throw new NotSupportedException($"no encoder for tensor type {type}");
            }
        }
    }

    /// <summary>ggml's reference scheme: d = (value of largest magnitude) / −8, q = x/d + 8 truncated.</summary>
    private static void EncodeQ4_0(ReadOnlySpan<float> x, Span<byte> block)
    {
        float max = SignedMax(x);
        float d = max / -8, id = d != 0 ? 1 / d : 0;
        BinaryPrimitives.WriteHalfLittleEndian(block, (Half)d);
        for (int j = 0; j < 16; j++)
        {
            int lo = Math.Min(15, (int)(x[j] * id + 8.5f)), hi = Math.Min(15, (int)(x[j + 16] * id + 8.5f));
            block[2 + j] = (byte)(lo | (hi << 4));
        }
    }

    /// <summary>Q4_K (4 bits) and Q5_K (5 bits): per sub-block of 32 a scale (range / levels) and a
    /// min (−lowest value, at least 0), both quantised to 6 bits against the super-block's largest.</summary>
    private static void EncodeScaleMin(ReadOnlySpan<float> x, Span<byte> block, int bits)
    {
        int levels = (1 << bits) - 1;
        Span<float> scale = stackalloc float[8], min = stackalloc float[8];
        for (int j = 0; j < 8; j++)
        {
            var s = x.Slice(32 * j, 32);
            float lo = 0, hi = float.MinValue;
            foreach (float v in s) { lo = MathF.Min(lo, v); hi = MathF.Max(hi, v); }
            scale[j] = (hi - lo) / levels;
            min[j] = -lo;
        }
        float d = Max(scale) / 63, dmin = Max(min) / 63;
        BinaryPrimitives.WriteHalfLittleEndian(block, (Half)d);
        BinaryPrimitives.WriteHalfLittleEndian(block[2..], (Half)dmin);
        float dq = (float)(Half)d, dminq = (float)(Half)dmin;
        Span<int> sc = stackalloc int[8], m = stackalloc int[8];
        for (int j = 0; j < 8; j++)
        {
            sc[j] = dq > 0 ? Math.Clamp((int)MathF.Round(scale[j] / dq), 0, 63) : 0;
            m[j] = dminq > 0 ? Math.Clamp((int)MathF.Round(min[j] / dminq), 0, 63) : 0;
        }
        for (int j = 0; j < 4; j++)
        {
            block[4 + j] = (byte)(sc[j] | ((sc[j + 4] >> 4) << 6));
            block[8 + j] = (byte)(m[j] | ((m[j + 4] >> 4) << 6));
            block[12 + j] = (byte)((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
        }
        var qs = block.Slice(bits == 4 ? 16 : 48, 128);
        var qh = block.Slice(16, 32);
        qs.Clear();
        if (bits == 5) qh.Clear();
        for (int i = 0; i < 256; i++)
        {
            int j = i / 32;
            float step = dq * sc[j];
            int q = step > 0 ? Math.Clamp((int)MathF.Round((x[i] + dminq * m[j]) / step), 0, levels) : 0;
            int c = i / 64, l = i % 32;
            bool second = i % 64 >= 32;
            qs[32 * c + l] |= (byte)((q & 0xF) << (second ? 4 : 0));
            if (bits == 5 && q > 15) qh[l] |= (byte)(1 << (2 * c + (second ? 1 : 0)));
        }
    }

    /// <summary>Q6_K: per group of 16 a signed scale (value of largest magnitude / −32) quantised to
    /// int8 against the super-block's largest; q = x/(d·sc) + 32 in 0..63.</summary>
    private static void EncodeQ6_K(ReadOnlySpan<float> x, Span<byte> block)
    {
        Span<float> scale = stackalloc float[16];
        float amax = 0;
        for (int g = 0; g < 16; g++)
        {
            scale[g] = SignedMax(x.Slice(16 * g, 16)) / -32;
            amax = MathF.Max(amax, MathF.Abs(scale[g]));
        }
        float d = amax / 127;
        BinaryPrimitives.WriteHalfLittleEndian(block[208..], (Half)d);
        float dq = (float)(Half)d;
        block[..192].Clear();
        for (int g = 0; g < 16; g++)
        {
            int sc = dq > 0 ? Math.Clamp((int)MathF.Round(scale[g] / dq), -128, 127) : 0;
            block[192 + g] = (byte)(sbyte)sc;
            float step = dq * sc;
            for (int i = 16 * g; i < 16 * g + 16; i++)
            {
                int q = step != 0 ? Math.Clamp((int)MathF.Round(x[i] / step) + 32, 0, 63) : 32;
                int half = i / 128, r = i % 128, k = r / 32, l = r % 32;
                block[64 * half + l + 32 * (k % 2)] |= (byte)((q & 0xF) << (k < 2 ? 0 : 4));
                block[128 + 32 * half + l] |= (byte)((q >> 4) << (2 * k));
            }
        }
    }

    private static float SignedMax(ReadOnlySpan<float> x)
    {
        float amax = 0, max = 0;
        foreach (float v in x)
            if (MathF.Abs(v) > amax) { amax = MathF.Abs(v); max = v; }
        return max;
    }

    private static float Max(ReadOnlySpan<float> x)
    {
        float m = 0;
        foreach (float v in x) m = MathF.Max(m, v);
        return m;
    }
}
