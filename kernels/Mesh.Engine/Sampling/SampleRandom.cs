namespace Mesh.Engine.Sampling;

/// <summary>The random number used to sample the token at a given position: a pure function of
/// (seed, position). A sequence can therefore stop on one worker and resume on another, or be
/// recomputed, and draw exactly the same numbers.</summary>
public static class SampleRandom
{
    /// <summary>Uniform in [0, 1) with 53 bits of precision.</summary>
    public static double Uniform(ulong seed, int position)
    {
        ulong z = seed + 0x9E3779B97F4A7C15UL * (ulong)(uint)(position + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
