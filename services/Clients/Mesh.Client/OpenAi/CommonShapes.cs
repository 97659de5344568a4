using System.Text.Json.Serialization;

namespace Mesh.Client;

/// <summary>
/// <c>usage</c>: prompt tokens count once per request (the choices share the prompt), completion tokens are
/// summed over the choices.
/// </summary>
/// <param name="PromptTokens">Prompt length in tokens.</param>
/// <param name="CompletionTokens">Generated tokens, all choices.</param>
/// <param name="TotalTokens">The sum of both.</param>
/// <param name="PromptTokensDetails">How much of the prompt came from the prefix cache.</param>
public sealed record TokenUsage(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails? PromptTokensDetails)
{
    /// <summary>Prompt tokens whose KV came from the prefix cache; 0 when not reported.</summary>
    [JsonIgnore]
    public int CachedTokens => PromptTokensDetails?.CachedTokens ?? 0;
}

/// <summary><c>prompt_tokens_details</c>.</summary>
/// <param name="CachedTokens">Prompt tokens served from the prefix cache.</param>
public sealed record PromptTokensDetails(int CachedTokens);

/// <summary>A served model, as <c>GET /v1/models</c> lists it.</summary>
/// <param name="Id">The name to put in a request's <c>model</c>.</param>
/// <param name="Object">Always <c>model</c>.</param>
/// <param name="Created">Unix seconds.</param>
/// <param name="OwnedBy"><c>mesh</c>.</param>
public sealed record ModelInfo(string Id, string Object, long Created, string OwnedBy);

/// <summary><c>GET /v1/models</c>.</summary>
internal sealed record ModelList(string Object, IReadOnlyList<ModelInfo> Data);

/// <summary>OpenAI's error body, <c>{"error":{…}}</c>; also an error event of a stream.</summary>
internal sealed record ErrorEnvelope(ErrorDetail? Error);

/// <summary>The inside of an OpenAI error.</summary>
internal sealed record ErrorDetail(string? Message, string? Type, string? Param, string? Code);
