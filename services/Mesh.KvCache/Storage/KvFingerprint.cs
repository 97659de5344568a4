using System.Globalization;
using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>Model fingerprints and block hashes as they appear in keys and URLs.</summary>
public static class KvFingerprint
{
    /// <summary>Longest fingerprint accepted.</summary>
    public const int MaxLength = 200;

    /// <summary>
    /// Letters, digits and <c>. _ - :</c>, 1 to <see cref="MaxLength"/> characters: safe in a URL path segment
    /// and in a Redis key, and free of Redis glob characters.
    /// </summary>
    public static bool IsValid(string? fingerprint)
    {
        if (string.IsNullOrEmpty(fingerprint) || fingerprint.Length > MaxLength) return false;
        foreach (char c in fingerprint)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':')) return false;
        return true;
    }

    /// <summary>Throws unless <see cref="IsValid"/>.</summary>
    /// <exception cref="ArgumentException">The fingerprint is empty, too long, or has other characters.</exception>
    public static void Validate(string? fingerprint)
    {
        if (!IsValid(fingerprint))
            throw new ArgumentException(
                $"Model fingerprint '{fingerprint}' is invalid: use 1 to {MaxLength} letters, digits and . _ - :", nameof(fingerprint));
    }

    /// <summary>Reads a block hash written as 1 to 16 hex digits (the wire form is 16 lowercase digits).</summary>
    public static bool TryParseHash(ReadOnlySpan<char> text, out BlockHash hash)
    {
        hash = default;
        if (text.Length is 0 or > 16
            || !ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value)) return false;
        hash = new BlockHash(value);
        return true;
    }
}
