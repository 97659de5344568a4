using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Gateway.Batches;

/// <summary>
/// Source-generated JSON of the files and batch API and of what it stores on disk: snake_case, nulls written
/// (OpenAI writes <c>"output_file_id": null</c>), strict numbers.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(FileObject))]
[JsonSerializable(typeof(FileList))]
[JsonSerializable(typeof(FileDeleted))]
[JsonSerializable(typeof(StoredFile))]
[JsonSerializable(typeof(BatchObject))]
[JsonSerializable(typeof(BatchList))]
[JsonSerializable(typeof(StoredBatch))]
[JsonSerializable(typeof(CreateBatchRequest))]
[JsonSerializable(typeof(BatchInputLine))]
[JsonSerializable(typeof(BatchOutputLine))]
[JsonSerializable(typeof(JournalEntry))]
internal sealed partial class BatchJsonContext : JsonSerializerContext;

/// <summary>The batch JSON as written: <see cref="BatchJsonContext"/> with model text as UTF-8 rather than <c>\uXXXX</c> escapes.</summary>
internal static class BatchJson
{
    public static readonly BatchJsonContext Context = new(new JsonSerializerOptions(BatchJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = null,
    });
}
