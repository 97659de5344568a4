using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Scheduler.Journal;

/// <summary>JSON of journal entries: the wire contracts' conventions (camelCase, typed ids as strings, nulls omitted).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(JournalEntry))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
