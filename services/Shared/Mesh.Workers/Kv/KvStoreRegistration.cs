using System.Net;
using Mesh.KvCache;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Workers.Kv;

/// <summary>Gives a service that runs without the in-process store (<c>AddKvCacheServices</c>) the remote one.</summary>
public static class KvStoreRegistration
{
    /// <summary>
    /// Registers <see cref="KvCacheHttpClient"/> as <see cref="IKvBlockStore"/> for the kvcache service at
    /// <paramref name="baseUrl"/>, unless a store is registered already (Mesh.Host registers the in-process one first).
    /// Every request uses exactly the HTTP version of <see cref="KvCacheClientOptions.Protocol"/> (<c>Mesh:KvCacheClient</c>):
    /// HTTP/2 by default, which on an http:// URL is h2c with prior knowledge (the kvcache's <c>KvCache:H2cUrl</c>), or
    /// HTTP/1.1 (its hosting URL). A URL that does not speak the chosen version fails every request; it never falls back.
    /// </summary>
    public static IServiceCollection AddRemoteKvBlockStore(this IServiceCollection services, Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (services.Any(d => d.ServiceType == typeof(IKvBlockStore))) return services;
        services.AddOptions<KvCacheClientOptions>()
            .BindConfiguration(KvCacheClientOptions.SectionName)
            .Validate(o => Enum.IsDefined(o.Protocol), $"{KvCacheClientOptions.SectionName}:Protocol must be Http2 or Http1.")
            .Validate(o => o.Timeout > TimeSpan.Zero, $"{KvCacheClientOptions.SectionName}:Timeout must be positive.")
            .ValidateOnStart();
        services.AddHttpClient(nameof(KvCacheHttpClient))
            .ConfigureHttpClient((sp, http) =>
            {
                KvCacheClientOptions o = sp.GetRequiredService<IOptions<KvCacheClientOptions>>().Value;
                http.BaseAddress = baseUrl;
                http.DefaultRequestVersion = o.Protocol == KvCacheProtocol.Http2 ? HttpVersion.Version20 : HttpVersion.Version11;
                http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
                http.Timeout = o.Timeout;
            })
            // Past the server's stream limit per connection (Kestrel: 100), HTTP/2 requests open another connection
            // instead of queueing behind long block transfers.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { EnableMultipleHttp2Connections = true });
        services.TryAddSingleton<IKvBlockStore>(sp =>
            new KvCacheHttpClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(KvCacheHttpClient))));
        return services;
    }
}
