using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Mesh.KvCache;

/// <summary>
/// Adds the h2c endpoint (<see cref="KvCacheOptions.H2cUrl"/>, HTTP/2 only) to Kestrel. Endpoints configured in
/// code replace the hosting URLs, so this also binds those URLs itself (<c>urls</c> / <c>--urls</c> /
/// <c>ASPNETCORE_URLS</c>, or <c>http_ports</c>; else Kestrel's default <c>http://localhost:5000</c>): HTTP/1.1, plus
/// HTTP/2 negotiated by TLS on https URLs. Endpoints from a <c>Kestrel:Endpoints</c> section are left to Kestrel. Without an h2c URL
/// (null or empty) it changes nothing.
/// </summary>
internal sealed class KvKestrelEndpoints(IConfiguration configuration, IOptions<KvCacheOptions> options) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        if (options.Value.H2cUrl is not { } h2c || string.IsNullOrWhiteSpace(h2c)) return;

        bool kestrelSection = configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
        string? urls = configuration["urls"];
        string? ports = configuration["http_ports"];
        if (!string.IsNullOrWhiteSpace(urls))
            foreach (string url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                Listen(kestrel, url, hosting: true);
        else if (!string.IsNullOrWhiteSpace(ports))
            foreach (string port in ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                Listen(kestrel, "http://*:" + port, hosting: true);
        else if (!kestrelSection)
            Listen(kestrel, "http://localhost:5000", hosting: true);

        Listen(kestrel, h2c, hosting: false);
    }

    /// <summary>Binds <paramref name="url"/>: a hosting URL (HTTP/1.1, and HTTP/2 over TLS) or the h2c URL (HTTP/2 only).</summary>
    private static void Listen(KestrelServerOptions kestrel, string url, bool hosting)
    {
        BindingAddress address = BindingAddress.Parse(url);
        bool https = string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase);
        Action<ListenOptions> configure = listen =>
        {
            listen.Protocols = !hosting ? HttpProtocols.Http2 : https ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
            if (https) listen.UseHttps();
        };
        string host = address.Host.Trim('[', ']');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (address.Port == 0) kestrel.Listen(IPAddress.Loopback, 0, configure);
            else kestrel.ListenLocalhost(address.Port, configure);
        }
        else if (IPAddress.TryParse(host, out IPAddress? ip)) kestrel.Listen(ip, address.Port, configure);
        else kestrel.ListenAnyIP(address.Port, configure); // "*", "+" and host names bind every interface, as Kestrel does for URLs
    }
}
