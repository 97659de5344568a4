using Mesh.Contracts;

namespace Mesh.Tests.Support;

/// <summary>Builders of the replies a backend sends for a request.</summary>
internal static class ScriptedReplies
{
    public static TokenChunk Chunk(InferenceRequest r, int choice, long sequence, string text, int[]? tokens = null,
        FinishReason? finish = null, SampledToken[]? logprobs = null, int attempt = 0) =>
        new(r.Envelope with { Attempt = attempt }, choice, sequence, tokens ?? [100 + (int)sequence], text, logprobs, finish);

    public static Completed Done(InferenceRequest r, int choice, FinishReason reason, int promptTokens, int completionTokens, int cachedTokens = 0, int attempt = 0) =>
        new(r.Envelope with { Attempt = attempt }, choice, reason, new Usage(promptTokens, completionTokens, cachedTokens));

    public static Failed Fail(InferenceRequest r, string code, string message, bool retryable = false) => new(r.Envelope, code, message, retryable);

    /// <summary>
    /// Every choice answers <paramref name="pieces"/> one token per chunk (choice i prefixes each piece with "i:" when
    /// n &gt; 1), the last chunk carrying <paramref name="reason"/>; prompt 5 tokens of which 2 cached.
    /// </summary>
    public static IReadOnlyList<ReplyMessage> Text(InferenceRequest r, FinishReason reason, params string[] pieces)
    {
        List<ReplyMessage> replies = [];
        for (int c = 0; c < r.Sampling.N; c++)
        {
            string prefix = r.Sampling.N > 1 ? $"{c}:" : "";
            for (int i = 0; i < pieces.Length; i++)
                replies.Add(Chunk(r, c, i, prefix + pieces[i], finish: i == pieces.Length - 1 ? reason : null));
            replies.Add(Done(r, c, reason, promptTokens: 5, completionTokens: pieces.Length, cachedTokens: 2));
        }
        return replies;
    }
}
