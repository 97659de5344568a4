namespace Mesh.Engine.Sampling;

/// <summary>How the next token is chosen and when a sequence ends. Temperature 0 is greedy.</summary>
public sealed record SamplingParams
{
    public float Temperature { get; init; } = 1f;
    /// <summary>Keep the k most likely tokens; 0 = all.</summary>
    public int TopK { get; init; }
    /// <summary>Keep the smallest set whose probability reaches p; 1 = all.</summary>
    public float TopP { get; init; } = 1f;
    /// <summary>Drop tokens whose probability is below min_p · p(max); 0 = off.</summary>
    public float MinP { get; init; }
    /// <summary>Divides positive (multiplies negative) logits of tokens already seen; 1 = off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;
    /// <summary>Subtracted once from the logit of every token already generated.</summary>
    public float PresencePenalty { get; init; }
    /// <summary>Subtracted per occurrence from the logit of every token already generated.</summary>
    public float FrequencyPenalty { get; init; }
    public ulong Seed { get; init; }
    public int MaxTokens { get; init; } = 256;
    /// <summary>Extra ids that end the sequence (the tokenizer's stop ids always do unless IgnoreEos).</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    /// <summary>Text that ends the sequence; it is not included in the output text.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    public bool IgnoreEos { get; init; }
    /// <summary>How many most likely alternatives to report with each token (0 = only the chosen one).</summary>
    public int TopLogprobs { get; init; }
    /// <summary>Whether log-probabilities are computed at all.</summary>
    public bool Logprobs { get; init; }

    public static SamplingParams Greedy(int maxTokens) => new() { Temperature = 0, MaxTokens = maxTokens };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad field.</summary>
    public void Validate()
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) throw new ArgumentException($"temperature must be ≥ 0, got {Temperature}");
        if (TopK < 0) throw new ArgumentException($"top_k must be ≥ 0, got {TopK}");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top_p must be in (0, 1], got {TopP}");
        if (!(MinP >= 0 && MinP <= 1)) throw new ArgumentException($"min_p must be in [0, 1], got {MinP}");
        if (!(RepetitionPenalty > 0)) throw new ArgumentException($"repetition_penalty must be > 0, got {RepetitionPenalty}");
        if (MaxTokens < 0) throw new ArgumentException($"max_tokens must be ≥ 0, got {MaxTokens}");
        if (TopLogprobs is < 0 or > 20) throw new ArgumentException($"top_logprobs must be in [0, 20], got {TopLogprobs}");
    }
}
