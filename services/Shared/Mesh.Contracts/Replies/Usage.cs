namespace Mesh.Contracts;

/// <summary>Token accounting of a choice (OpenAI <c>usage</c>; the gateway sums choices).</summary>
/// <param name="PromptTokens">Prompt length.</param>
/// <param name="CompletionTokens">Generated tokens.</param>
/// <param name="CachedTokens">Prompt tokens whose KV came from the prefix cache.</param>
public sealed record Usage(int PromptTokens, int CompletionTokens, int CachedTokens);
