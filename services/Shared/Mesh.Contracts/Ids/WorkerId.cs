using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>One worker process (a prefill, decode, encode, attention or kvcache instance). Serialized as a JSON string.</summary>
[JsonConverter(typeof(StringIdJsonConverter<WorkerId>))]
public readonly record struct WorkerId(string Value) : IStringId<WorkerId>
{
    /// <inheritdoc />
    public static WorkerId From(string value) => new(value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
