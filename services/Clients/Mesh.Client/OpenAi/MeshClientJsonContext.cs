using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Client;

/// <summary>
/// Source-generated JSON for the OpenAI shapes the client sends and reads: snake_case names, nulls left out of
/// requests (so the gateway's defaults apply), unknown response members skipped.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.General,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(TextCompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionUpdate))]
[JsonSerializable(typeof(TextCompletion))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelInfo))]
[JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class MeshClientJsonContext : JsonSerializerContext;
