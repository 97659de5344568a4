using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Gateway.OpenAi;

/// <summary>
/// Source-generated JSON for the OpenAI shapes: snake_case names, nulls written (clients read
/// <c>finish_reason: null</c>; members that OpenAI omits say so with their own <c>JsonIgnore</c>), numbers strict,
/// no comments or trailing commas. Unknown request members are skipped.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(TextCompletion))]
[JsonSerializable(typeof(TextCompletionChunk))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelCard))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class OpenAiJsonContext : JsonSerializerContext;

/// <summary>
/// The JSON the gateway writes: <see cref="OpenAiJsonContext"/> with the relaxed encoder, so model text goes out as
/// UTF-8 (<c>"日本"</c>, a backtick) instead of <c>\uXXXX</c> escapes. Safe because responses are
/// <c>application/json</c> and <c>text/event-stream</c>, never embedded in HTML.
/// </summary>
internal static class OpenAiJson
{
    /// <summary>Writer settings for hand-driven writers (SSE).</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The response metadata.</summary>
    public static readonly OpenAiJsonContext Context = new(new JsonSerializerOptions(OpenAiJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = null,
    });
}
