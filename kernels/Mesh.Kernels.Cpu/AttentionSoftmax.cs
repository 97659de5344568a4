using System.Numerics.Tensors;

namespace Mesh.Kernels.Cpu;

/// <summary>The softmax every attention kernel applies to a query's scores: scaled by 1/√d, then exp(s − max) / Σ so
/// no exponent overflows (the framework's span softmax takes exp of the scores as given, and a score above ~88 made
/// Inf/Inf = NaN of a whole head). One owner, so every kernel computes the same bits.</summary>
internal static class AttentionSoftmax
{
    public static void Apply(Span<float> scores, float scale)
    {
        TensorPrimitives.Multiply(scores, scale, scores);
        TensorPrimitives.Subtract(scores, TensorPrimitives.Max(scores), scores);
        TensorPrimitives.SoftMax(scores, scores);
    }
}
