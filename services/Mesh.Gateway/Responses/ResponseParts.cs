using System.Globalization;
using Mesh.Contracts;
using Mesh.Gateway.OpenAi;

namespace Mesh.Gateway.Responses;

/// <summary>OpenAI's <c>finish_reason</c> for a Mesh <see cref="FinishReason"/>.</summary>
internal static class FinishReasons
{
    /// <summary><c>stop</c>, <c>length</c>, or <c>abort</c> (vLLM's name for a cancelled choice).</summary>
    public static string Name(FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.Cancelled => "abort",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown finish reason."),
    };
}

/// <summary>The request's <c>usage</c> from its choices' completions.</summary>
internal static class UsageTotals
{
    /// <summary>Prompt and cached tokens once (the choices share the prompt), completion tokens summed.</summary>
    public static UsageBody Of(IReadOnlyList<Completed> completions)
    {
        int prompt = 0, completion = 0, cached = 0;
        foreach (Completed c in completions)
        {
            prompt = Math.Max(prompt, c.Usage.PromptTokens);
            cached = Math.Max(cached, c.Usage.CachedTokens);
            completion += c.Usage.CompletionTokens;
        }
        return new UsageBody(prompt, completion, prompt + completion, new PromptTokensDetails(cached));
    }
}

/// <summary>A sampled token and where the chunk that carried it starts in the choice's text.</summary>
internal readonly record struct PositionedLogprob(SampledToken Token, int TextOffset);

/// <summary>
/// OpenAI logprob shapes from <see cref="SampledToken"/>s. A token is shown as its text and bytes, as the worker's
/// tokenizer decoded them; a token that came without text (a producer without the tokenizer) is named
/// <c>token_id:&lt;id&gt;</c>, vLLM's convention, with no bytes. Log-probabilities that are not finite (-Infinity
/// after top-k/top-p filtering) are written as -9999, as OpenAI does, since JSON has no infinity.
/// </summary>
internal static class LogprobShapes
{
    /// <summary>Stand-in for -Infinity.</summary>
    public const float Floor = -9999f;

    /// <summary>The name of a token that came without its text.</summary>
    public static string TokenName(int tokenId) => "token_id:" + tokenId.ToString(CultureInfo.InvariantCulture);

    public static float Finite(float logprob) => float.IsFinite(logprob) ? logprob : Floor;

    /// <summary>Chat <c>logprobs</c> of <paramref name="tokens"/>.</summary>
    public static ChatLogprobs Chat(IReadOnlyList<SampledToken> tokens)
    {
        var content = new ChatTokenLogprob[tokens.Count];
        for (int i = 0; i < content.Length; i++)
        {
            SampledToken t = tokens[i];
            TopLogprob[] top = t.TopLogprobs ?? [];
            var alternatives = new ChatTopLogprob[top.Length];
            for (int j = 0; j < top.Length; j++)
                alternatives[j] = new ChatTopLogprob(top[j].Text ?? TokenName(top[j].TokenId), Finite(top[j].Logprob), Ints(top[j].Bytes));
            content[i] = new ChatTokenLogprob(t.Text ?? TokenName(t.TokenId), Finite(t.Logprob), Ints(t.Bytes), alternatives);
        }
        return new ChatLogprobs(content);
    }

    /// <summary>
    /// Completions <c>logprobs</c> of <paramref name="tokens"/>; <c>top_logprobs</c> only when <paramref name="topCount"/> &gt; 0.
    /// Alternatives are keyed by their text; when two share a text, the likelier one (listed first) is kept.
    /// </summary>
    public static TextLogprobs Text(IReadOnlyList<PositionedLogprob> tokens, int topCount)
    {
        var names = new string[tokens.Count];
        var logprobs = new float[tokens.Count];
        var offsets = new int[tokens.Count];
        Dictionary<string, float>[]? top = topCount > 0 ? new Dictionary<string, float>[tokens.Count] : null;
        for (int i = 0; i < tokens.Count; i++)
        {
            SampledToken t = tokens[i].Token;
            names[i] = t.Text ?? TokenName(t.TokenId);
            logprobs[i] = Finite(t.Logprob);
            offsets[i] = tokens[i].TextOffset;
            if (top is null) continue;
            TopLogprob[] alternatives = t.TopLogprobs ?? [];
            var byToken = new Dictionary<string, float>(alternatives.Length, StringComparer.Ordinal);
            foreach (TopLogprob alternative in alternatives) byToken.TryAdd(alternative.Text ?? TokenName(alternative.TokenId), Finite(alternative.Logprob));
            top[i] = byToken;
        }
        return new TextLogprobs(names, logprobs, top, offsets);
    }

    /// <summary>OpenAI's <c>bytes</c>: the byte values as integers; null when not known.</summary>
    private static int[]? Ints(byte[]? bytes) => bytes is null ? null : Array.ConvertAll(bytes, b => (int)b);
}
