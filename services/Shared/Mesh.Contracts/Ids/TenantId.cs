using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>The trust boundary: KV blocks are salted per tenant and never shared across tenants. Serialized as a JSON string.</summary>
[JsonConverter(typeof(StringIdJsonConverter<TenantId>))]
public readonly record struct TenantId(string Value) : IStringId<TenantId>
{
    /// <inheritdoc />
    public static TenantId From(string value) => new(value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
