using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Mesh.Workers.Kv;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.Workers.Hosting;

/// <summary>Registers engine workers and their bus subscriptions.</summary>
public static class WorkerHostingExtensions
{
    /// <summary>
    /// One worker, as a Mesh.Prefill or Mesh.Decode process runs it: id and roles from <c>Mesh:Worker</c>
    /// (roles default to <paramref name="defaultRoles"/>, the id to <c>{app id}-{machine}</c>).
    /// </summary>
    public static IHostApplicationBuilder AddMeshWorker(this IHostApplicationBuilder builder, params WorkerRole[] defaultRoles)
    {
        WorkerOptions o = Bind(builder);
        string appId = builder.Configuration["APP_ID"] ?? builder.Environment.ApplicationName;
        string id = o.Id ?? $"{appId}-{Environment.MachineName}".ToLowerInvariant();
        return builder.AddMeshWorkers([new WorkerSpec(new WorkerId(id), o.Roles.Length > 0 ? o.Roles : defaultRoles, o.Capabilities.Length > 0 ? o.Capabilities : null)]);
    }

    /// <summary>
    /// Several engine workers in this process (Mesh.Host), each with its own engine and topics:
    /// <c>Topics.ForWorker(Topics.Prefill | Topics.Decode | Topics.Cancellations, id)</c>, in-process subscriber group
    /// = the worker id. Settings from <c>Mesh:Worker</c>; the KV cache is the registered <c>IKvBlockStore</c>, or the
    /// kvcache service at <see cref="WorkerOptions.KvCacheUrl"/>.
    /// </summary>
    public static IHostApplicationBuilder AddMeshWorkers(this IHostApplicationBuilder builder, IReadOnlyList<WorkerSpec> workers)
    {
        WorkerOptions o = Bind(builder);
        IServiceCollection services = builder.Services;
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        if (o.KvCacheUrl is { } url) services.AddRemoteKvBlockStore(url);

        var registry = new WorkerRegistry(workers);
        services.AddSingleton(registry);
        MeshBusBuilder bus = builder.AddMeshBus();
        foreach (WorkerSpec spec in workers) Subscribe(bus, registry, spec, o);
        services.AddHostedService<WorkersService>();
        return builder;
    }

    private static void Subscribe(MeshBusBuilder bus, WorkerRegistry registry, WorkerSpec spec, WorkerOptions o)
    {
        WorkerId id = spec.Id;
        if (spec.Can(WorkerRole.Prefill))
        {
            bus.Subscribe<PrefillTask>(Topics.ForWorker(Topics.Prefill, id),
                async (task, ct) => await (await registry.GetAsync(id, ct).ConfigureAwait(false)).PrefillAsync(task, ct).ConfigureAwait(false),
                new SubscriptionOptions { Group = id.Value, Concurrency = o.PrefillConcurrency, DeadLetterTopic = Topics.DeadLetterFor(Topics.Prefill) });
        }
        if (spec.Can(WorkerRole.Decode))
        {
            bus.Subscribe<DecodeTask>(Topics.ForWorker(Topics.Decode, id),
                async (task, ct) => await (await registry.GetAsync(id, ct).ConfigureAwait(false)).DecodeAsync(task, ct).ConfigureAwait(false),
                new SubscriptionOptions { Group = id.Value, Concurrency = o.DecodeConcurrency, DeadLetterTopic = Topics.DeadLetterFor(Topics.Decode) });
        }
        if (spec.Elastic)
        {
            bus.Subscribe<RoleAssignment>(Topics.ForWorker(Topics.WorkerRoles, id),
                async (assignment, ct) => await (await registry.GetAsync(id, ct).ConfigureAwait(false)).AssignRolesAsync(assignment, ct).ConfigureAwait(false),
                new SubscriptionOptions { Group = id.Value });
        }
        bus.Subscribe<CancelRequest>(Topics.ForWorker(Topics.Cancellations, id),
            async (cancel, ct) => await (await registry.GetAsync(id, ct).ConfigureAwait(false)).CancelAsync(cancel, ct).ConfigureAwait(false),
            new SubscriptionOptions { Group = id.Value });
    }

    /// <summary>The settings as registration needs them (topics and concurrency are fixed before the container is built).</summary>
    private static WorkerOptions Bind(IHostApplicationBuilder builder) =>
        builder.Configuration.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>() ?? new WorkerOptions();
}
