namespace Mesh.Kernels.Tests;

/// <summary>The activation quantisations, written out from their definitions, returning the values
/// the quantised activations stand for (d·q).</summary>
internal static class ActivationReference
{
    /// <summary>llama.cpp's Q8_0 blocks of 32 (Q8_0 and Q4_0 products): d = max|x|/127 rounded to a half,
    /// q = round-to-even(x·(127/max|x|)).</summary>
    public static float[] Q8_0(float[] x)
    {
        var result = new float[x.Length];
        for (int b = 0; b < x.Length / 32; b++)
        {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = MathF.Max(amax, MathF.Abs(x[32 * b + j]));
            float d = (float)(Half)(amax / 127f), inv = amax != 0 ? 127f / amax : 0f;
            for (int j = 0; j < 32; j++) result[32 * b + j] = d * MathF.Round(x[32 * b + j] * inv, MidpointRounding.ToEven);
        }
        return result;
    }

    /// <summary>llama.cpp's Q8_K super-blocks of 256, with the quants and the 16 group sums.</summary>
    public static (sbyte[] Q, float[] D, short[] Sums) Q8_KParts(float[] x)
    {
        var q = new sbyte[x.Length];
        var d = new float[x.Length / 256];
        var sums = new short[x.Length / 16];
        for (int b = 0; b < d.Length; b++)
        {
            float max = 0, amax = 0;
            for (int j = 256 * b; j < 256 * (b + 1); j++)
                if (MathF.Abs(x[j]) > amax) { amax = MathF.Abs(x[j]); max = x[j]; }
            if (amax == 0) continue;
            float iscale = -127f / max;
            d[b] = 1 / iscale;
            for (int j = 256 * b; j < 256 * (b + 1); j++)
            {
                q[j] = (sbyte)Math.Min(127, (int)MathF.Round(iscale * x[j], MidpointRounding.ToEven));
                sums[j / 16] += q[j];
            }
        }
        return (q, d, sums);
    }

    public static float[] Q8_K(float[] x)
    {
        var (q, d, _) = Q8_KParts(x);
        var result = new float[x.Length];
        for (int i = 0; i < x.Length; i++) result[i] = d[i / 256] * q[i];
        return result;
    }
}
