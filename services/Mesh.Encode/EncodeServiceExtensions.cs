using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Mesh.Workers.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Encode;

/// <summary>Registers the encode service's parts.</summary>
public static class EncodeServiceExtensions
{
    /// <summary>
    /// The <see cref="EncodeTask"/> subscription on <see cref="Topics.Encode"/> (group <c>encode</c>) and the worker's
    /// heartbeat. Its id is <c>Mesh:Encode:Id</c>, default <c>{app id}-{machine}</c>.
    /// </summary>
    public static IHostApplicationBuilder AddEncodeServices(this IHostApplicationBuilder builder)
    {
        string appId = builder.Configuration["APP_ID"] ?? builder.Environment.ApplicationName;
        var worker = new EncodeWorker(new WorkerId(builder.Configuration["Mesh:Encode:Id"] ?? $"{appId}-{Environment.MachineName}".ToLowerInvariant()));
        builder.Services.AddSingleton(worker);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddMeshBus().Subscribe<EncodeTask, EncodeTaskHandler>(Topics.Encode, new SubscriptionOptions { Group = AppIds.Encode });
        builder.Services.AddHostedService(sp => new RoleHeartbeat(worker.Id, [WorkerRole.Encode], () => worker.InFlight, TimeSpan.FromSeconds(1),
            sp.GetRequiredService<IMeshBus>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RoleHeartbeat>>()));
        return builder;
    }
}
