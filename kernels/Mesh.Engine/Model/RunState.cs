namespace Mesh.Engine.Model;

/// <summary>Every activation buffer the forward pass needs, sized once for the largest batch the
/// engine schedules (the "wave" of activations). Nothing is allocated per step.</summary>
public sealed class RunState
{
    public readonly float[] X;        // [maxTokens, dim]   residual stream
    public readonly float[] Xb;       // [maxTokens, dim]   normalised input of a block
    public readonly float[] Q;        // [maxTokens, qDim]
    public readonly float[] K;        // [maxTokens, kvDim]
    public readonly float[] V;        // [maxTokens, kvDim]
    public readonly float[] Att;      // [maxTokens, qDim]  attention output before Wo
    public readonly float[] Proj;     // [maxTokens, dim]   output of Wo / down projection
    public readonly float[] Gate;     // [maxTokens, ffn]
    public readonly float[] Up;       // [maxTokens, ffn]
    public readonly float[] Hidden;   // [maxOutputs, dim]  final hidden states of rows that need logits
    public readonly float[] Logits;   // [maxOutputs, vocab]
    public readonly float[] Cos;      // [maxTokens, headDim/2]
    public readonly float[] Sin;      // [maxTokens, headDim/2]

    public int MaxTokens { get; }
    public int MaxOutputs { get; }

    public RunState(ModelConfig c, int maxTokens, int maxOutputs)
    {
        MaxTokens = maxTokens;
        MaxOutputs = maxOutputs;
        X = new float[maxTokens * c.Dim];
        Xb = new float[maxTokens * c.Dim];
        Q = new float[maxTokens * c.QDim];
        K = new float[maxTokens * c.KvDim];
        V = new float[maxTokens * c.KvDim];
        Att = new float[maxTokens * c.QDim];
        Proj = new float[maxTokens * c.Dim];
        Gate = new float[maxTokens * c.FfnDim];
        Up = new float[maxTokens * c.FfnDim];
        Hidden = new float[maxOutputs * c.Dim];
        Logits = new float[maxOutputs * c.VocabSize];
        Cos = new float[maxTokens * c.HeadDim / 2];
        Sin = new float[maxTokens * c.HeadDim / 2];
    }
}
