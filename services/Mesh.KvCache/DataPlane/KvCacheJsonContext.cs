using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.KvCache;

/// <summary>Source-generated JSON of the data plane; the same conventions as <c>MeshJsonContext</c> (camelCase, hashes as hex strings).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(KvChainRequest))]
[JsonSerializable(typeof(KvLookupResult))]
[JsonSerializable(typeof(KvLeaseRequest))]
[JsonSerializable(typeof(KvLease))]
[JsonSerializable(typeof(KvReleaseRequest))]
[JsonSerializable(typeof(KvReleaseResult))]
[JsonSerializable(typeof(KvPutResult))]
[JsonSerializable(typeof(KvPutManyResult))]
[JsonSerializable(typeof(KvStoreStats))]
[JsonSerializable(typeof(KvError))]
internal sealed partial class KvCacheJsonContext : JsonSerializerContext;
