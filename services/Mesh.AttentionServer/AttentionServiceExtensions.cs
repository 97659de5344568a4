using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Mesh.Workers.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.AttentionServer;

/// <summary>Registers the attention server's parts.</summary>
public static class AttentionServiceExtensions
{
    /// <summary>
    /// The attention worker's heartbeat (role <c>attention</c>, id <c>Mesh:Attention:Id</c>, default
    /// <c>{app id}-{machine}</c>). Prefill and decode run attention themselves today, so no task reaches it.
    /// </summary>
    public static IHostApplicationBuilder AddAttentionServices(this IHostApplicationBuilder builder)
    {
        string appId = builder.Configuration["APP_ID"] ?? builder.Environment.ApplicationName;
        var id = new WorkerId(builder.Configuration["Mesh:Attention:Id"] ?? $"{appId}-{Environment.MachineName}".ToLowerInvariant());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddMeshBus();
        builder.Services.AddHostedService(sp => new RoleHeartbeat(id, [WorkerRole.Attention], () => 0, TimeSpan.FromSeconds(1),
            sp.GetRequiredService<IMeshBus>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RoleHeartbeat>>()));
        return builder;
    }
}
