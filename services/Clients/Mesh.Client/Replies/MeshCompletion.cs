using Mesh.Contracts;

namespace Mesh.Client;

/// <summary>A request's whole answer, as collected from its replies on pub/sub.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Choices">One per choice, by index.</param>
public sealed record MeshCompletion(RequestId RequestId, IReadOnlyList<MeshChoice> Choices)
{
    /// <summary>The first choice's text (the whole answer when n = 1).</summary>
    public string Text => Choices.Count > 0 ? Choices[0].Text : "";
}

/// <summary>One finished choice.</summary>
/// <param name="Index">Choice index.</param>
/// <param name="Text">The generated text, chunks joined in sequence order.</param>
/// <param name="TokenIds">The generated token ids, in order.</param>
/// <param name="FinishReason">Why it stopped.</param>
/// <param name="Usage">The choice's token counts (its prompt, its generated tokens, prompt tokens from the cache).</param>
/// <param name="Logprobs">One entry per token when logprobs were requested; null otherwise.</param>
public sealed record MeshChoice(int Index, string Text, IReadOnlyList<int> TokenIds, FinishReason FinishReason, Usage Usage, IReadOnlyList<SampledToken>? Logprobs);
