namespace Mesh.Bench.Trace;

/// <summary>
/// What happened to one replayed request, timed on the replay's clock. TTFT is send → first token chunk; TPOT is
/// (last token chunk − first token chunk) / (tokens − 1), so it is undefined for an answer of one token.
/// </summary>
/// <param name="Index">The request's <see cref="ShapedRequest.Index"/>.</param>
/// <param name="SentAt">When it was sent, from the start of the replay.</param>
/// <param name="Error">Why it failed (HTTP status and body, an error event, a broken stream); null when it completed.</param>
/// <param name="FirstToken">Send → first token chunk; null when none arrived.</param>
/// <param name="LastToken">Send → last token chunk; null when none arrived.</param>
/// <param name="Finished">When the stream ended, from the start of the replay.</param>
/// <param name="OutputTokens">Tokens counted in the stream's chunks.</param>
/// <param name="PromptTokens">The usage's <c>prompt_tokens</c>; null without a usage chunk.</param>
/// <param name="CompletionTokens">The usage's <c>completion_tokens</c>; null without a usage chunk.</param>
/// <param name="CachedTokens">The usage's <c>prompt_tokens_details.cached_tokens</c> (prompt served from a prefix cache); null when absent.</param>
/// <param name="Rejected">Refused at admission (HTTP 429): the mesh predicted it would miss its latency target.</param>
public sealed record RequestOutcome(
    int Index,
    TimeSpan SentAt,
    string? Error,
    TimeSpan? FirstToken,
    TimeSpan? LastToken,
    TimeSpan Finished,
    int OutputTokens,
    int? PromptTokens,
    int? CompletionTokens,
    int? CachedTokens = null,
    bool Rejected = false)
{
    /// <summary>The stream ended with a finish reason, <c>[DONE]</c> and no error.</summary>
    public bool Completed => Error is null;

    /// <summary>Time per output token after the first; null below two tokens.</summary>
    public TimeSpan? TimePerOutputToken =>
        OutputTokens >= 2 && FirstToken is { } first && LastToken is { } last ? (last - first) / (OutputTokens - 1) : null;
}
