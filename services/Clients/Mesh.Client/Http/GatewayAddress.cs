namespace Mesh.Client;

/// <summary>Turns what a user calls the gateway's address into the base of its OpenAI routes.</summary>
internal static class GatewayAddress
{
    /// <summary>
    /// The <c>/v1/</c> base for <paramref name="address"/>: <c>http://host:5100</c>, <c>http://host:5100/</c> and
    /// <c>http://host:5100/v1</c> all give <c>http://host:5100/v1/</c>; a path prefix is kept
    /// (<c>https://host/mesh</c> → <c>https://host/mesh/v1/</c>). Query and fragment are dropped.
    /// </summary>
    /// <exception cref="ArgumentException">Not an absolute http or https address.</exception>
    public static Uri ApiBase(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"The gateway address must be an absolute http or https URL, was '{address}'.", nameof(address));
        string path = address.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith("/v1", StringComparison.Ordinal)) path += "/v1";
        return new UriBuilder(address.Scheme, address.Host, address.Port, path + "/").Uri;
    }
}
