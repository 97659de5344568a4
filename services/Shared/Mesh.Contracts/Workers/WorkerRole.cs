using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>What a worker process currently serves; the scheduler moves capacity between roles.</summary>
[JsonConverter(typeof(CamelCaseEnumConverter<WorkerRole>))]
public enum WorkerRole
{
    /// <summary>Multimodal encoding.</summary>
    Encode,

    /// <summary>Prompt processing.</summary>
    Prefill,

    /// <summary>Token generation.</summary>
    Decode,

    /// <summary>Core attention serving.</summary>
    Attention,

    /// <summary>KV storage.</summary>
    KvCache,
}
