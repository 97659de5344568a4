using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>
/// Content address of one KV block: <c>hash(block i) = H(hash(block i-1), tokens of block i, tenant salt)</c>,
/// so equal prefixes share blocks. Serialized as 16 lowercase hex digits, because JSON numbers above
/// 2^53 lose precision in many parsers.
/// </summary>
[JsonConverter(typeof(BlockHashJsonConverter))]
public readonly record struct BlockHash(ulong Value)
{
    /// <summary>The wire form: 16 lowercase hex digits.</summary>
    public override string ToString() => Value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
