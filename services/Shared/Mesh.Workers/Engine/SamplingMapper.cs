using Mesh.Contracts;
using Mesh.Engine.Sampling;

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

    /// <summary>The wire form of a sampled token.</summary>
    public static SampledToken ToWire(int token, float logprob, TokenLogprob[]? top) =>
        new(token, logprob, top is null ? null : Array.ConvertAll(top, t => new TopLogprob(t.Token, t.Logprob)));
}
