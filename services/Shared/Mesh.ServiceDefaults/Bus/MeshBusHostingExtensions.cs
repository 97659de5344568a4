using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dapr.Client;
using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults;

/// <summary>Registers the Mesh bus.</summary>
public static class MeshBusHostingExtensions
{
    /// <summary>
    /// Adds the bus (once; later calls return another builder for the same bus): <see cref="MeshBusOptions"/>
    /// from <c>Mesh:Bus</c>, validated at start; <see cref="IMeshBus"/> as the in-process or Dapr transport by
    /// <see cref="MeshBusOptions.Mode"/>; a <see cref="DaprClient"/> that uses Mesh's JSON. Declare
    /// subscriptions on the returned builder, then call <c>app.MapMeshSubscriptions()</c>.
    /// </summary>
    public static MeshBusBuilder AddMeshBus(this IHostApplicationBuilder builder)
    {
        IServiceCollection services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(MeshSerializer))) return new MeshBusBuilder(services);

        IConfiguration configuration = builder.Configuration;
        string applicationName = builder.Environment.ApplicationName;
        services.AddOptions<MeshBusOptions>()
            .BindConfiguration(MeshBusOptions.SectionName)
            .PostConfigure(o => o.AppId ??= configuration["APP_ID"] ?? applicationName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MeshBusOptions>, MeshBusOptionsValidator>());

        services.AddMetrics();
        services.AddSingleton<MeshBusMetrics>();
        services.AddSingleton<MeshSerializer>();
        services.AddSingleton<MessageDispatcher>();
        services.AddSingleton(sp => new InProcessBus(
            sp.GetServices<MeshSubscription>(),
            sp.GetRequiredService<MessageDispatcher>(),
            sp.GetRequiredService<IOptions<MeshBusOptions>>(),
            sp.GetRequiredService<MeshBusMetrics>(),
            sp.GetRequiredService<ILogger<InProcessBus>>()));
        services.AddSingleton<DaprBus>();
        services.AddSingleton<IMeshBus>(sp => sp.GetRequiredService<IOptions<MeshBusOptions>>().Value.Mode == MeshBusMode.Dapr
            ? sp.GetRequiredService<DaprBus>()
            : sp.GetRequiredService<InProcessBus>());
        services.AddHostedService<InProcessBusLifetime>();
        services.AddDaprClient((sp, dapr) => dapr.UseJsonSerializationOptions(DaprClientJson(sp.GetRequiredService<MeshSerializer>())));
        return new MeshBusBuilder(services);
    }

    /// <summary>Mesh's JSON, falling back to reflection for the app's own state types.</summary>
    private static JsonSerializerOptions DaprClientJson(MeshSerializer serializer) =>
        new(serializer.Options)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(serializer.Options.TypeInfoResolver, new DefaultJsonTypeInfoResolver()),
        };
}
