using System.Text.Json;

namespace Mesh.Gateway.OpenAi;

/// <summary>
/// The request fields <c>/v1/chat/completions</c> and <c>/v1/completions</c> share, as the client sent them.
/// Everything is nullable: absence and range are checked by <see cref="Requests.SamplingMapper"/>, which
/// names the offending parameter. Fields that would change the output but that Mesh cannot honour are read
/// only to be rejected (<see cref="LogitBias"/>, <see cref="BestOf"/>…); unknown fields are ignored.
/// </summary>
internal abstract class GenerationRequest
{
    public string? Model { get; set; }
    public int? MaxTokens { get; set; }
    public float? Temperature { get; set; }
    public float? TopP { get; set; }
    public int? N { get; set; }

    /// <summary>A string, an array of strings, or null.</summary>
    public JsonElement? Stop { get; set; }

    public long? Seed { get; set; }
    public float? PresencePenalty { get; set; }
    public float? FrequencyPenalty { get; set; }
    public bool? Stream { get; set; }
    public StreamOptions? StreamOptions { get; set; }
    public string? User { get; set; }

    // Mesh (and vLLM) extras.
    public int? TopK { get; set; }
    public float? MinP { get; set; }
    public float? RepetitionPenalty { get; set; }
    public bool? IgnoreEos { get; set; }

    /// <summary><c>"online"</c> (default) or <c>"offline"</c>.</summary>
    public string? Priority { get; set; }

    /// <summary>Time-to-first-token target in ms (online requests; default: the scheduler's).</summary>
    public double? TtftTargetMs { get; set; }

    /// <summary>Time-per-output-token target in ms (online requests; default: the scheduler's).</summary>
    public double? TpotTargetMs { get; set; }

    // Read to be refused when set to something Mesh would silently not do.
    public JsonElement? LogitBias { get; set; }
}

/// <summary><c>stream_options</c>.</summary>
internal sealed class StreamOptions
{
    /// <summary>Send a last chunk with <c>usage</c> and no choices before <c>[DONE]</c>.</summary>
    public bool? IncludeUsage { get; set; }
}

/// <summary>Body of <c>POST /v1/chat/completions</c>.</summary>
internal sealed class ChatCompletionRequest : GenerationRequest
{
    public ChatRequestMessage[]? Messages { get; set; }

    /// <summary>Preferred over <see cref="GenerationRequest.MaxTokens"/> when both are given (OpenAI deprecated the latter for chat).</summary>
    public int? MaxCompletionTokens { get; set; }

    /// <summary>Chat logprobs is a flag; <see cref="TopLogprobs"/> asks for alternatives.</summary>
    public bool? Logprobs { get; set; }

    public int? TopLogprobs { get; set; }

    // Read to be refused: Mesh has no tool calling or constrained decoding yet.
    public JsonElement? Tools { get; set; }
    public JsonElement? Functions { get; set; }
    public JsonElement? ResponseFormat { get; set; }
}

/// <summary>One entry of <c>messages</c>.</summary>
internal sealed class ChatRequestMessage
{
    public string? Role { get; set; }

    /// <summary>A string, an array of content parts (<c>{"type":"text","text":…}</c>), or null (assistant turns).</summary>
    public JsonElement? Content { get; set; }
}

/// <summary>Body of <c>POST /v1/completions</c>.</summary>
internal sealed class CompletionRequest : GenerationRequest
{
    /// <summary>A string, an array of token ids, or a one-element array of either.</summary>
    public JsonElement? Prompt { get; set; }

    /// <summary>Completions logprobs is a count: return this many alternatives per token (0 = only the sampled token).</summary>
    public int? Logprobs { get; set; }

    // Read to be refused.
    public bool? Echo { get; set; }
    public int? BestOf { get; set; }
    public string? Suffix { get; set; }
}
