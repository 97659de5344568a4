namespace Mesh.Contracts;

/// <summary>A sampled token with its log-probability and, when asked for, the most likely alternatives.</summary>
/// <param name="TokenId">The sampled token.</param>
/// <param name="Logprob">Its natural-log probability (may be -Infinity, written as <c>"-Infinity"</c>).</param>
/// <param name="TopLogprobs">Most likely alternatives at this position, best first; null when not requested.</param>
public sealed record SampledToken(int TokenId, float Logprob, TopLogprob[]? TopLogprobs = null);

/// <summary>One alternative at a position.</summary>
public sealed record TopLogprob(int TokenId, float Logprob);
