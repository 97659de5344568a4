using System.Globalization;
using System.IO.Hashing;

namespace Mesh.KvCache;

/// <summary>
/// xxHash64 (seed 0) of a block's bytes, the checksum of every tier and of the data plane. Its text form is
/// algorithm-prefixed like <c>KvRef.Checksum</c>: <c>xxh64:</c> and 16 lowercase hex digits.
/// </summary>
public static class BlockChecksum
{
    /// <summary>Prefix of the text form.</summary>
    public const string Prefix = "xxh64:";

    /// <summary>The checksum of <paramref name="data"/>.</summary>
    public static ulong Compute(ReadOnlySpan<byte> data) => XxHash64.HashToUInt64(data);

    /// <summary><c>xxh64:</c> and 16 lowercase hex digits.</summary>
    public static string Format(ulong checksum) => Prefix + checksum.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Reads the text form; false for anything else (other algorithms included).</summary>
    public static bool TryParse(string? text, out ulong checksum)
    {
        checksum = 0;
        return text is not null
               && text.StartsWith(Prefix, StringComparison.Ordinal)
               && text.Length is > 6 and <= 22
               && ulong.TryParse(text.AsSpan(Prefix.Length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out checksum);
    }
}
