using System.Text.Json.Serialization;
using Mesh.Cli.Commands;

namespace Mesh.Cli;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(GenerateJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
