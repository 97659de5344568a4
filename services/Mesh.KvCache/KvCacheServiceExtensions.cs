using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.KvCache;

/// <summary>Registers the kvcache service's parts.</summary>
public static class KvCacheServiceExtensions
{
    /// <summary>
    /// <see cref="KvCacheOptions"/> from <c>KvCache</c> (validated at start); the <see cref="TieredBlockStore"/>
    /// (also as <see cref="IKvBlockStore"/>) with its Redis tier when configured; the KvEvent queue and the pump
    /// that publishes it on the Mesh bus; the data plane's JSON; and, when <see cref="KvCacheOptions.H2cUrl"/> is
    /// set (the service's appsettings.json sets it), the cleartext HTTP/2 endpoint workers use beside the usual HTTP/1.1 ones.
    /// </summary>
    public static IHostApplicationBuilder AddKvCacheServices(this IHostApplicationBuilder builder)
    {
        IServiceCollection services = builder.Services;
        services.AddOptions<KvCacheOptions>()
            .BindConfiguration(KvCacheOptions.SectionName)
            .PostConfigure(o => o.WorkerId ??= "kvcache-" + Environment.MachineName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KvCacheOptions>, KvCacheOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp => new RedisConnection(Options(sp)));
        services.AddSingleton(sp => new KvEventQueue(
            new WorkerId(Options(sp).WorkerId!), Options(sp).EventQueueCapacity, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            RedisConnection redis = sp.GetRequiredService<RedisConnection>();
            var logger = sp.GetRequiredService<ILogger<TieredBlockStore>>();
            logger.Started(Options(sp).RamBytes, redis.Endpoints);
            return new TieredBlockStore(Options(sp), redis.Multiplexer, sp.GetRequiredService<KvEventQueue>(), sp.GetRequiredService<TimeProvider>(), logger);
        });
        services.AddSingleton<IKvBlockStore>(sp => sp.GetRequiredService<TieredBlockStore>());

        builder.AddMeshBus();
        services.AddHostedService<KvEventPump>();

        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, KvCacheJsonContext.Default));
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KvKestrelEndpoints>();
        return builder;
    }

    private static KvCacheOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<KvCacheOptions>>().Value;
}
