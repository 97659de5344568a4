using Mesh.Engine.Sampling;

namespace Mesh.Engine.Scheduling;

public enum FinishReason
{
    /// <summary>Still generating.</summary>
    None,
    /// <summary>A stop token or stop string.</summary>
    Stop,
    /// <summary>max_tokens or the context length reached.</summary>
    Length,
    /// <summary>Cancelled by the caller.</summary>
    Cancelled,
}

/// <summary>What one step produced for one sequence (a struct: a decode step allocates nothing): the sampled token (or none when the sequence
/// only finished), the text it completed, and whether the sequence ended.</summary>
public readonly record struct SequenceOutput(
    long SequenceId,
    int Token,
    /// <summary>Index of this token among the generated ones (0 = first).</summary>
    int Index,
    string Text,
    FinishReason Finish,
    float Logprob,
    TokenLogprob[]? TopLogprobs,
    /// <summary>The token is a stop token (EOS, end of turn): it ended the sequence and carries no text.</summary>
    bool IsStopToken = false);
