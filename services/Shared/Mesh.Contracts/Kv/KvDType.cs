using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>Element type of stored K and V.</summary>
[JsonConverter(typeof(CamelCaseEnumConverter<KvDType>))]
public enum KvDType
{
    /// <summary>32-bit float.</summary>
    F32,

    /// <summary>IEEE half.</summary>
    F16,

    /// <summary>bfloat16.</summary>
    Bf16,

    /// <summary>8-bit blocks of 32 with one f16 scale (GGML Q8_0).</summary>
    Q8_0,
}
