using Mesh.KvCache;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Workers.Kv;

/// <summary>Gives a service that runs without the in-process store (<c>AddKvCacheServices</c>) the remote one.</summary>
public static class KvStoreRegistration
{
    /// <summary>
    /// Registers <see cref="KvCacheHttpClient"/> as <see cref="IKvBlockStore"/> for the kvcache service at
    /// <paramref name="baseUrl"/>, speaking HTTP/2 without TLS (h2c) to a cleartext URL, unless a store is
    /// registered already (Mesh.Host registers the in-process one first).
    /// </summary>
    public static IServiceCollection AddRemoteKvBlockStore(this IServiceCollection services, Uri baseUrl)
    {
        if (services.Any(d => d.ServiceType == typeof(IKvBlockStore))) return services;
        services.AddHttpClient(nameof(KvCacheHttpClient), http =>
        {
            http.BaseAddress = baseUrl;
            http.DefaultRequestVersion = baseUrl.Scheme == Uri.UriSchemeHttp ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11;
            http.DefaultVersionPolicy = baseUrl.Scheme == Uri.UriSchemeHttp ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrHigher;
            http.Timeout = TimeSpan.FromMinutes(5);
        });
        services.TryAddSingleton<IKvBlockStore>(sp =>
            new KvCacheHttpClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(KvCacheHttpClient))));
        return services;
    }
}
