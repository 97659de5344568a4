using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>
/// Source-generated JSON metadata for every wire record. camelCase names, typed ids as strings, enums as
/// camelCase strings, nulls omitted, float infinities as <c>"-Infinity"</c>. Missing non-optional
/// constructor parameters and nulls in non-nullable members fail deserialization, so a malformed message
/// is rejected (and dead-lettered) instead of half-read. Nullable members are trailing optional
/// parameters (<c>= null</c>), so they may be omitted on the wire. Type discriminators may appear anywhere in an
/// object (external clients do not always write them first).
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(InferenceRequest))]
[JsonSerializable(typeof(CancelRequest))]
[JsonSerializable(typeof(Prompt))]
[JsonSerializable(typeof(SamplingParameters))]
[JsonSerializable(typeof(EncodeTask))]
[JsonSerializable(typeof(EncodeDone))]
[JsonSerializable(typeof(PrefillTask))]
[JsonSerializable(typeof(PrefillDone))]
[JsonSerializable(typeof(DecodeTask))]
[JsonSerializable(typeof(DecodeCheckpoint))]
[JsonSerializable(typeof(ReplyMessage))]
[JsonSerializable(typeof(TokenChunk))]
[JsonSerializable(typeof(Completed))]
[JsonSerializable(typeof(Failed))]
[JsonSerializable(typeof(KvRef))]
[JsonSerializable(typeof(KvEvent))]
[JsonSerializable(typeof(KvBlocksStored))]
[JsonSerializable(typeof(KvBlocksRemoved))]
[JsonSerializable(typeof(KvCacheCleared))]
[JsonSerializable(typeof(WorkerLoadReport))]
[JsonSerializable(typeof(RoleAssignment))]
public sealed partial class MeshJsonContext : JsonSerializerContext;
