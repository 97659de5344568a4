namespace Mesh.Contracts;

/// <summary>
/// How tokens are drawn. Every member is optional on the wire; the defaults mean "off": temperature 1,
/// top-p 1, top-k 0, min-p 0, penalties neutral. (Positional with default values rather than init
/// properties because source-generated JSON gives missing init properties <c>default(T)</c>, not their
/// initializers.) Arrays are shared by reference between messages: treat them as immutable.
/// </summary>
/// <param name="MaxTokens">Upper bound on generated tokens (per choice).</param>
/// <param name="Temperature">0 = greedy.</param>
/// <param name="TopP">Nucleus mass; 1 = off.</param>
/// <param name="TopK">Keep the k most likely tokens; 0 = off.</param>
/// <param name="MinP">Drop tokens below min-p × p(max); 0 = off.</param>
/// <param name="RepetitionPenalty">Multiplicative penalty on tokens already present; 1 = off.</param>
/// <param name="PresencePenalty">OpenAI presence penalty; 0 = off.</param>
/// <param name="FrequencyPenalty">OpenAI frequency penalty; 0 = off.</param>
/// <param name="Seed">Seed of the sampler's random stream; null = nondeterministic.</param>
/// <param name="Stop">Stop strings; the matched text is not emitted. Null reads as empty.</param>
/// <param name="StopTokenIds">Stop token ids besides the model's end-of-sequence tokens. Null reads as empty.</param>
/// <param name="IgnoreEos">Keep generating past end-of-sequence (benchmarks).</param>
/// <param name="Logprobs">Return the log-probability of each sampled token.</param>
/// <param name="TopLogprobs">Also return this many most likely alternatives per position (0 to 20).</param>
/// <param name="N">Number of choices to generate for the prompt.</param>
public sealed record SamplingParameters(
    int MaxTokens = 256,
    float Temperature = 1f,
    float TopP = 1f,
    int TopK = 0,
    float MinP = 0f,
    float RepetitionPenalty = 1f,
    float PresencePenalty = 0f,
    float FrequencyPenalty = 0f,
    long? Seed = null,
    string[]? Stop = null,
    int[]? StopTokenIds = null,
    bool IgnoreEos = false,
    bool Logprobs = false,
    int TopLogprobs = 0,
    int N = 1)
{
    /// <summary>Stop strings; never null.</summary>
    public string[] Stop { get; init; } = Stop ?? [];

    /// <summary>Stop token ids; never null.</summary>
    public int[] StopTokenIds { get; init; } = StopTokenIds ?? [];
}
