using System.Text.Json.Serialization;
using Mesh.Contracts;

namespace Mesh.Client;

/// <summary>
/// What chat and text completion requests share: the model and the sampling fields of the gateway
/// (docs/gateway.md, "Request fields"). Every field is optional except <see cref="Model"/>; a null field is left
/// out of the body, so the gateway's default applies.
/// </summary>
public abstract record GenerationRequest
{
    /// <summary>Served model name, as listed by <c>GET /v1/models</c>.</summary>
    public required string Model { get; init; }

    /// <summary>Upper bound on generated tokens per choice (<c>max_tokens</c>).</summary>
    public int? MaxTokens { get; init; }

    /// <summary>[0, 2]; 0 is greedy.</summary>
    public float? Temperature { get; init; }

    /// <summary>Nucleus mass in (0, 1].</summary>
    public float? TopP { get; init; }

    /// <summary>Keep the k most likely tokens; 0 or -1 = off (Mesh extension, as in vLLM).</summary>
    public int? TopK { get; init; }

    /// <summary>Drop tokens below min-p × p(max), [0, 1] (Mesh extension).</summary>
    public float? MinP { get; init; }

    /// <summary>Multiplicative penalty on tokens already present, &gt; 0; 1 = off (Mesh extension).</summary>
    public float? RepetitionPenalty { get; init; }

    /// <summary>OpenAI presence penalty, [-2, 2].</summary>
    public float? PresencePenalty { get; init; }

    /// <summary>OpenAI frequency penalty, [-2, 2].</summary>
    public float? FrequencyPenalty { get; init; }

    /// <summary>Seed of the sampler's random stream: the same seed and request give the same tokens.</summary>
    public long? Seed { get; init; }

    /// <summary>Up to 4 stop strings; the matched text is not returned.</summary>
    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary>Choices to generate, [1, 16]; they share the prompt (one prefill).</summary>
    public int? N { get; init; }

    /// <summary>Keep generating past end-of-sequence (benchmarks; Mesh extension).</summary>
    public bool? IgnoreEos { get; init; }

    /// <summary>Admission class (Mesh extension): online (default) or offline batch work.</summary>
    public Priority? Priority { get; init; }

    /// <summary>End-user id; the gateway logs it and does not publish it.</summary>
    public string? User { get; init; }

    /// <summary>
    /// Streaming only: ask for a last event with <c>usage</c> and no choices (<c>stream_options.include_usage</c>).
    /// Ignored by the non-streaming calls, which always carry usage.
    /// </summary>
    [JsonIgnore]
    public bool IncludeUsageInStream { get; init; }

    /// <summary>Set by the client: true for the streaming calls, absent otherwise.</summary>
    [JsonInclude]
    internal bool? Stream { get; init; }

    /// <summary>Set by the client on streaming calls that asked for usage.</summary>
    [JsonInclude]
    internal StreamOptionsBody? StreamOptions { get; init; }
}

/// <summary><c>stream_options</c>.</summary>
internal sealed record StreamOptionsBody(bool IncludeUsage)
{
    /// <summary><c>{"include_usage":true}</c>.</summary>
    public static readonly StreamOptionsBody WithUsage = new(true);
}
