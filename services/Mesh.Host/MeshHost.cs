using Mesh.Gateway;
using Mesh.KvCache;
using Mesh.Scheduler;
using Mesh.ServiceDefaults;

namespace Mesh.Host;

/// <summary>Every Mesh service in one process: gateway, scheduler, prefill and decode workers, encode,
/// attention and the KV store, on the in-process bus. Used by <c>Mesh.Host</c> and <c>mesh serve</c>.</summary>
public static class MeshHost
{
    /// <summary>Runs until shutdown (Ctrl+C). Returns 2 for bad arguments and 1 for a model that cannot be
    /// served, each with the reason on standard error.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        EmbeddedOptions options;
        ServedModelChoice model;
        string[] rest;
        try
        {
            (options, rest) = HostCommandLine.Parse(args);
            model = ServedModelChoice.Resolve(options, GeneratedModel.DefaultCacheFolder());
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"mesh: {ex.Message}");
            return 2;
        }

        WebApplicationBuilder builder = WebApplication.CreateBuilder(rest);
        builder.AddMeshServiceDefaults();                         // Serilog, OpenTelemetry, health checks
        builder.AddMeshEmbedded(options, model);                  // bus, KV store, scheduler, workers, encode, attention, gateway
        builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port}");

        await using WebApplication app = builder.Build();
        try
        {
            app.UseSchedulerWarmup();                             // read the tokenizer now: a bad model fails the start
        }
        catch (Exception ex) when (ex is Engine.Model.ModelFormatException or IOException)
        {
            await Console.Error.WriteLineAsync($"mesh: {ex.Message}");
            return 1;
        }
        app.MapMeshDefaultEndpoints();                            // /health, /alive, /metrics
        app.MapGatewayEndpoints();                                // /v1/chat/completions, /v1/completions, /v1/models
        app.MapKvCacheEndpoints();                                // the KV data plane, as the kvcache service serves it
        if (options.Admin) app.MapMeshAdminEndpoints();           // /admin: workers, kill, drain, scheduler restart (drills)
        await app.StartAsync();
        app.Announce(options, model);
        await app.WaitForShutdownAsync();
        return 0;
    }
}
