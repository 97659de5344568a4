namespace Mesh.Contracts;

/// <summary>A sampled token with its log-probability, its text and, when asked for, the most likely alternatives.</summary>
/// <param name="TokenId">The sampled token.</param>
/// <param name="Logprob">Its natural-log probability (may be -Infinity, written as <c>"-Infinity"</c>).</param>
/// <param name="TopLogprobs">Most likely alternatives at this position, best first; null when not requested.</param>
/// <param name="Text">
/// The token on its own as text: the tokenizer's piece for the id, decoded (a leading space kept; a control token
/// reads as its spelling, e.g. <c>&lt;/s&gt;</c>). A piece that is only part of a UTF-8 character reads as U+FFFD.
/// Null when the producer had no tokenizer; readers then name the token by its id.
/// </param>
/// <param name="Bytes">The bytes the token decodes to (OpenAI's <c>bytes</c>; base64 in JSON); null when not known.</param>
public sealed record SampledToken(int TokenId, float Logprob, TopLogprob[]? TopLogprobs = null, string? Text = null, byte[]? Bytes = null);

/// <summary>One alternative at a position.</summary>
/// <param name="TokenId">The alternative token.</param>
/// <param name="Logprob">Its natural-log probability.</param>
/// <param name="Text">Its text, as <see cref="SampledToken.Text"/>.</param>
/// <param name="Bytes">Its bytes, as <see cref="SampledToken.Bytes"/>.</param>
public sealed record TopLogprob(int TokenId, float Logprob, string? Text = null, byte[]? Bytes = null);
