using System.Text;
using Mesh.Contracts;
using Mesh.Engine.Sampling;
using Mesh.Engine.Tokenization;

namespace Mesh.Workers.Engine;

/// <summary>Wire sampling parameters → the engine's.</summary>
public static class SamplingMapper
{
    /// <summary>
    /// The engine's parameters for <paramref name="sampling"/>. A missing seed reads as 0; the scheduler always
    /// sets one, so a retried or migrated request draws the same numbers.
    /// </summary>
    public static SamplingParams ToEngine(SamplingParameters sampling) => new()
    {
        Temperature = sampling.Temperature,
        TopK = sampling.TopK,
        TopP = sampling.TopP,
        MinP = sampling.MinP,
        RepetitionPenalty = sampling.RepetitionPenalty,
        PresencePenalty = sampling.PresencePenalty,
        FrequencyPenalty = sampling.FrequencyPenalty,
        Seed = unchecked((ulong)(sampling.Seed ?? 0)),
        MaxTokens = sampling.MaxTokens,
        StopTokenIds = sampling.StopTokenIds,
        StopStrings = sampling.Stop,
        IgnoreEos = sampling.IgnoreEos,
        Logprobs = sampling.Logprobs || sampling.TopLogprobs > 0,
        TopLogprobs = sampling.TopLogprobs,
    };

    /// <summary>The wire form of a sampled token by id only (no tokenizer at hand): readers name it <c>token_id:N</c>.</summary>
    public static SampledToken ToWire(int token, float logprob, TokenLogprob[]? top) =>
        new(token, logprob, top is null ? null : Array.ConvertAll(top, t => new TopLogprob(t.Token, t.Logprob)));

    /// <summary>
    /// The wire form of a sampled token with the text and bytes of it and of each alternative, from
    /// <paramref name="tokenizer"/> (see <see cref="TokenText"/>).
    /// </summary>
    public static SampledToken ToWire(int token, float logprob, TokenLogprob[]? top, MeshTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        (string text, byte[]? bytes) = TokenText(tokenizer, token);
        TopLogprob[]? alternatives = null;
        if (top is not null)
        {
            alternatives = new TopLogprob[top.Length];
            for (int i = 0; i < top.Length; i++)
            {
                (string altText, byte[]? altBytes) = TokenText(tokenizer, top[i].Token);
                alternatives[i] = new TopLogprob(top[i].Token, top[i].Logprob, altText, altBytes);
            }
        }
        return new SampledToken(token, logprob, alternatives, text, bytes);
    }

    /// <summary>
    /// A token on its own as OpenAI's logprobs show it: the text its piece decodes to in the middle of a text (a
    /// leading space kept), or the spelling of a control token, which decodes to nothing (<c>&lt;/s&gt;</c>); and its
    /// UTF-8 bytes. A piece that is only part of a character (a byte-fallback or byte-level piece) decodes to U+FFFD,
    /// and its bytes are not known from the tokenizer's public surface, so they are null.
    /// </summary>
    public static (string Text, byte[]? Bytes) TokenText(MeshTokenizer tokenizer, int token)
    {
        if (tokenizer.IsControl(token))
        {
            string spelling = tokenizer.IdToToken(token);
            return (spelling, Encoding.UTF8.GetBytes(spelling));
        }
        string text = tokenizer.Decode([token], atTextStart: false);
        return (text, text.Contains(Replacement, StringComparison.Ordinal) ? null : Encoding.UTF8.GetBytes(text));
    }

    /// <summary>What UTF-8 decoding makes of bytes that are not a whole character.</summary>
    private const char Replacement = '\uFFFD';
}
