using Mesh.KvCache;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Workers.Kv;

/// <summary>Gives a service that runs without the in-process store (<c>AddKvCacheServices</c>) the remote one.</summary>
public static class KvStoreRegistration
{
    /// <summary>
    /// Registers <see cref="KvCacheHttpClient"/> as <see cref="IKvBlockStore"/> for the kvcache service at
    /// <paramref name="baseUrl"/> (HTTP/2 over TLS, HTTP/1.1 to a cleartext URL), unless a store is registered already
    /// (Mesh.Host registers the in-process one first).
    /// </summary>
    public static IServiceCollection AddRemoteKvBlockStore(this IServiceCollection services, Uri baseUrl)
    {
        if (services.Any(d => d.ServiceType == typeof(IKvBlockStore))) return services;
        services.AddHttpClient(nameof(KvCacheHttpClient), http =>
        {
            http.BaseAddress = baseUrl;
            http.DefaultRequestVersion = System.Net.HttpVersion.Version20;
            http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
            http.Timeout = TimeSpan.FromMinutes(5);
        });
        services.TryAddSingleton<IKvBlockStore>(sp =>
            new KvCacheHttpClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(KvCacheHttpClient))));
        return services;
    }
}
