using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>One inference request, assigned by whoever submits it (gateway or a client library); stable across attempts. Serialized as a JSON string.</summary>
[JsonConverter(typeof(StringIdJsonConverter<RequestId>))]
public readonly record struct RequestId(string Value) : IStringId<RequestId>
{
    /// <inheritdoc />
    public static RequestId From(string value) => new(value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
