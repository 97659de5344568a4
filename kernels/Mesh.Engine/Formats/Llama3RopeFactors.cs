using Mesh.Engine.Model;

namespace Mesh.Engine.Formats;

/// <summary>Llama 3.1's RoPE frequency scaling as per-frequency divisors, the form GGUF stores in
/// <c>rope_freqs.weight</c>: high frequencies are kept, low ones divided by the factor, the band
/// between them blended smoothly.</summary>
public static class Llama3RopeFactors
{
    /// <summary>Divisors for each rotary frequency i of a head: <c>[headDim/2]</c>.</summary>
    public static float[] Compute(Llama3RopeScaling s, int headDim, float theta)
    {
        double lowWavelen = s.OriginalContextLength / (double)s.LowFreqFactor;
        double highWavelen = s.OriginalContextLength / (double)s.HighFreqFactor;
        var factors = new float[headDim / 2];
        for (int i = 0; i < factors.Length; i++)
        {
            double freq = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen)
                factors[i] = 1f;
            else if (wavelen > lowWavelen)
                factors[i] = s.Factor;
            else
            {
                double smooth = (s.OriginalContextLength / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                factors[i] = (float)(1.0 / ((1 - smooth) / s.Factor + smooth));
            }
        }
        return factors;
    }
}
