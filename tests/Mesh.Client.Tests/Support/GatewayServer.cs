using Mesh.Contracts;
using Mesh.Gateway;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Client.Tests;

/// <summary>
/// The real gateway, wired as its Program.cs wires it, listening with Kestrel on a free loopback port, with the
/// in-process bus and a <see cref="FakeScheduler"/> behind it. Serves models <c>tiny</c> and <c>other</c>.
/// </summary>
internal sealed class GatewayServer : IAsyncDisposable
{
    public const string InstanceId = "gw-client-tests";

    private readonly WebApplication _app;

    private GatewayServer(WebApplication app, FakeScheduler scheduler, Uri address)
    {
        _app = app;
        Scheduler = scheduler;
        Address = address;
    }

    public FakeScheduler Scheduler { get; }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c>.</summary>
    public Uri Address { get; }

    /// <param name="apiKeys">Keys the gateway accepts; none means no authentication.</param>
    public static async Task<GatewayServer> StartAsync(params string[] apiKeys)
    {
        var scheduler = new FakeScheduler();
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var settings = new Dictionary<string, string?>
        {
            ["Serilog:MinimumLevel:Default"] = "Error",
            ["Mesh:Bus:AppId"] = AppIds.Gateway,
            ["Mesh:Bus:RetryDelay"] = "00:00:00.005",
            ["Mesh:Bus:MaxRetryDelay"] = "00:00:00.020",
            ["Gateway:Models:0"] = "tiny",
            ["Gateway:Models:1"] = "other",
            ["Gateway:InstanceId"] = InstanceId,
            ["Gateway:MaxTokensLimit"] = "512",
            ["Gateway:DefaultMaxTokens"] = "100",
            ["Gateway:RequestTimeout"] = "00:00:10",
        };
        for (int i = 0; i < apiKeys.Length; i++) settings[$"Gateway:ApiKeys:{i}"] = apiKeys[i];
        builder.Configuration.AddInMemoryCollection(settings);

        builder.AddMeshServiceDefaults();
        builder.AddGatewayServices();
        builder.AddMeshBus()
            .Subscribe<InferenceRequest>(Topics.Requests, scheduler.OnRequestAsync, FakeScheduler.Group)
            .Subscribe<CancelRequest>(Topics.Cancellations, scheduler.OnCancelAsync, FakeScheduler.Group);

        WebApplication app = builder.Build();
        app.MapMeshDefaultEndpoints();
        app.MapMeshSubscriptions();
        app.MapGatewayEndpoints();
        scheduler.Attach(app.Services.GetRequiredService<IMeshBus>());
        await app.StartAsync();
        return new GatewayServer(app, scheduler, new Uri(app.Urls.Single()));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
