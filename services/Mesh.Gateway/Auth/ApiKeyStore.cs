using System.Security.Cryptography;
using System.Text;
using Mesh.Contracts;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Mesh.Gateway.Auth;

/// <summary>
/// The accepted API keys (<see cref="GatewayOptions.ApiKeys"/>), held as SHA-256 digests and compared in constant
/// time. Each key is its own tenant (<c>key-</c> + 16 hex digits of its digest), so KV prefixes are never shared
/// between keys and the key itself never travels on the bus. Without keys every caller is the tenant
/// <see cref="OpenTenant"/>.
/// </summary>
internal sealed class ApiKeyStore
{
    /// <summary>The tenant of every request when authentication is off.</summary>
    public static readonly TenantId OpenTenant = new("default");

    /// <summary>Digests of the accepted keys.</summary>
    private readonly byte[][] _digests;

    public ApiKeyStore(IOptions<GatewayOptions> options) =>
        _digests = [.. options.Value.ApiKeys.Select(key => SHA256.HashData(Encoding.UTF8.GetBytes(key)))];

    /// <summary>Whether keys are required.</summary>
    public bool Enabled => _digests.Length > 0;

    /// <summary>The caller's tenant.</summary>
    /// <exception cref="OpenAiException">401: keys are required and the header names none, or an unknown one.</exception>
    public TenantId Authenticate(StringValues authorization)
    {
        if (!Enabled) return OpenTenant;
        string? header = authorization.Count == 1 ? authorization[0] : null;
        const string Scheme = "Bearer ";
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length == Scheme.Length)
            throw OpenAiException.Unauthorized(
                "You didn't provide an API key. Provide it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY).");

        byte[] presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        bool match = false;
        foreach (byte[] digest in _digests) match |= CryptographicOperations.FixedTimeEquals(digest, presented);
        if (!match) throw OpenAiException.Unauthorized("Incorrect API key provided.");
        return new TenantId("key-" + Convert.ToHexStringLower(presented, 0, 8));
    }
}
