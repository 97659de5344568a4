using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>Where KV bytes are held, fastest first.</summary>
[JsonConverter(typeof(CamelCaseEnumConverter<KvTier>))]
public enum KvTier
{
    /// <summary>Accelerator memory of the owner worker.</summary>
    Device,

    /// <summary>Host RAM of the owner.</summary>
    Ram,

    /// <summary>Local disk of the owner.</summary>
    Disk,

    /// <summary>Shared Redis.</summary>
    Redis,

    /// <summary>Azure Blob storage.</summary>
    Blob,
}
