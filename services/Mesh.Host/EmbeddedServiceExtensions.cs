using System.Globalization;
using Mesh.AttentionServer;
using Mesh.Contracts;
using Mesh.Encode;
using Mesh.Gateway;
using Mesh.KvCache;
using Mesh.Scheduler;
using Mesh.Workers.Hosting;

namespace Mesh.Host;

/// <summary>Every Mesh service in this process.</summary>
public static class EmbeddedServiceExtensions
{
    /// <summary>
    /// The in-process bus and KV store (the kvcache service's <c>TieredBlockStore</c>, RAM only), the scheduler, the
    /// engine workers of <paramref name="options"/> (all sharing one memory-mapped model), encode, attention and the
    /// gateway, configured for <paramref name="model"/>. Settings given here override appsettings and the command line.
    /// </summary>
    public static IHostApplicationBuilder AddMeshEmbedded(this IHostApplicationBuilder builder, EmbeddedOptions options, ServedModelChoice model)
    {
        IReadOnlyList<WorkerSpec> workers = Workers(options);
        builder.Configuration.AddInMemoryCollection(Settings(options, model, workers.Count));
        builder.AddKvCacheServices();
        builder.AddSchedulerServices();
        builder.AddMeshWorkers(workers);
        builder.AddEncodeServices();
        builder.AddAttentionServices();
        builder.AddGatewayServices();
        return builder;
    }

    /// <summary>
    /// The engine workers: <c>worker-i</c> serving prefill and decode (colocated), or <c>prefill-i</c> and
    /// <c>decode-i</c> (disaggregated: every hand-off goes through the KV store; with --elastic each can be moved to the
    /// other stage).
    /// </summary>
    public static IReadOnlyList<WorkerSpec> Workers(EmbeddedOptions options) => options.Colocated
        ? [.. Enumerable.Range(0, options.PrefillWorkers).Select(i => new WorkerSpec(new WorkerId($"worker-{i}"), [WorkerRole.Prefill, WorkerRole.Decode]))]
        : [
            .. Enumerable.Range(0, options.PrefillWorkers).Select(i => new WorkerSpec(new WorkerId($"prefill-{i}"), [WorkerRole.Prefill], Elastic(options))),
            .. Enumerable.Range(0, options.DecodeWorkers).Select(i => new WorkerSpec(new WorkerId($"decode-{i}"), [WorkerRole.Decode], Elastic(options))),
        ];

    /// <summary>With <see cref="EmbeddedOptions.Elastic"/>, a disaggregated worker can be moved to either stage.</summary>
    private static WorkerRole[]? Elastic(EmbeddedOptions options) => options.Elastic ? [WorkerRole.Prefill, WorkerRole.Decode] : null;

    private static Dictionary<string, string?> Settings(EmbeddedOptions options, ServedModelChoice model, int engines)
    {
        int threads = options.Threads > 0 ? options.Threads : Math.Max(1, Environment.ProcessorCount / engines);
        return new Dictionary<string, string?>
        {
            ["Mesh:Bus:Mode"] = "InProcess",
            ["Mesh:Bus:AppId"] = "mesh-host",
            ["Mesh:Scheduler:Model"] = model.Path,
            ["Mesh:Scheduler:ModelName"] = model.Name,
            ["Mesh:Scheduler:JournalDirectory"] = options.JournalDirectory ?? Path.Combine(Path.GetTempPath(), "mesh", $"journal-{Environment.ProcessId}-{Guid.NewGuid():N}"),
            ["Mesh:Worker:Model"] = model.Path,
            ["Mesh:Worker:ModelName"] = model.Name,
            ["Mesh:Worker:Threads"] = threads.ToString(CultureInfo.InvariantCulture),
            ["Mesh:Encode:Id"] = "encode-0",
            ["Mesh:Attention:Id"] = "attention-0",
            ["KvCache:WorkerId"] = "kvcache-0",
            ["Gateway:Models:0"] = model.Name,
        };
    }
}
