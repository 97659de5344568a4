namespace Mesh.Engine.Model;

/// <summary>A deterministic stream of standard-normal floats: SplitMix64 for the bits,
/// Box-Muller for the shape. The same (seed, stream name) always gives the same sequence, on
/// every machine, so a random model is reproducible from its seed alone.</summary>
internal struct SeededNormal
{
    private ulong _state;
    private double _spare;
    private bool _hasSpare;

    public SeededNormal(ulong seed, string stream)
    {
        _state = seed ^ Fnv1a64(stream);
        NextUInt64();
    }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in (0, 1].</summary>
    public double NextUniform() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    public float NextNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return (float)_spare;
        }
        double r = Math.Sqrt(-2 * Math.Log(NextUniform()));
        double theta = 2 * Math.PI * NextUniform();
        _spare = r * Math.Sin(theta);
        _hasSpare = true;
        return (float)(r * Math.Cos(theta));
    }

    private static ulong Fnv1a64(string s)
    {
        ulong h = 0xcbf29ce484222325UL;
        foreach (char c in s)
        {
            h ^= c;
            h *= 0x100000001b3UL;
        }
        return h;
    }
}
