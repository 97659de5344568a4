using Mesh.Engine.Model;
using Mesh.Kernels;

namespace Mesh.Bench;

/// <summary>The memory a decode step must read for one sequence: every weight matrix once (in its
/// stored type), one embedding row, the norm vectors, and the K/V of all earlier positions (in the
/// KV cache's element type, at the run's mean position). At a read bandwidth of B bytes/s a decode step cannot beat
/// B / <see cref="BytesPerToken"/> tokens/s: the roofline.</summary>
public static class DecodeRoofline
{
    public static double BytesPerToken(ModelConfig c, LlamaWeights w, double meanPosition, KvCacheType kvType)
    {
        double bytes = w.Output.ByteLength + w.TokenEmbedding.RowBytes + (double)c.Dim * 4 * (2 * c.Layers + 1);
        foreach (var l in w.Layers)
            bytes += Matrices(l).Sum(m => (double)m.ByteLength);
        bytes += meanPosition * c.Layers * 2 * c.KvDim * kvType.ElementBytes();
        return bytes;
    }

    /// <summary>Tokens/s a decode step reaches when bound by <paramref name="gbPerSecond"/> alone.</summary>
    public static double TokensPerSecond(double gbPerSecond, double bytesPerToken) => gbPerSecond * 1e9 / bytesPerToken;

    private static WeightMatrix[] Matrices(LayerWeights l) => [l.Wq, l.Wk, l.Wv, l.Wo, l.Gate, l.Up, l.Down];
}
