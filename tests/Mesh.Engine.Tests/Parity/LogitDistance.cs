namespace Mesh.Engine.Tests.Parity;

/// <summary>How far one logit vector is from a reference: the largest absolute difference and the
/// normalised mean squared error Σ(a−r)²/Σr² (ggml's test-backend-ops measure).</summary>
internal readonly record struct LogitDistance(double MaxAbs, double Nmse)
{
    public static LogitDistance Between(ReadOnlySpan<float> actual, ReadOnlySpan<float> reference)
    {
        if (actual.Length != reference.Length)
            throw new ArgumentException($"logit vectors differ in length: {actual.Length} vs {reference.Length}");
        double maxAbs = 0, err = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = (double)actual[i] - reference[i];
            maxAbs = Math.Max(maxAbs, Math.Abs(d));
            err += d * d;
            norm += (double)reference[i] * reference[i];
        }
        return new LogitDistance(maxAbs, norm > 0 ? err / norm : err);
    }

    public override string ToString() => $"max-abs {MaxAbs:G3}, NMSE {Nmse:G3}";
}
