using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Gateway.Tests;

/// <summary>
/// The gateway wired exactly as Program.cs wires it, on a TestServer, with the in-process bus and a
/// <see cref="FakeScheduler"/> subscribed (as the scheduler's group) to the requests and cancellations topics.
/// </summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    public const string InstanceId = "gw-test";
    public const int MaxTokensLimit = 512;

    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, FakeScheduler backend)
    {
        _app = app;
        Backend = backend;
        Client = app.GetTestClient();
    }

    public FakeScheduler Backend { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<GatewayHost> StartAsync(IDictionary<string, string?>? settings = null, FakeScheduler? backend = null)
    {
        backend ??= new FakeScheduler();
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Mesh:Bus:AppId"] = AppIds.Gateway,
            ["Mesh:Bus:RetryDelay"] = "00:00:00.005",
            ["Mesh:Bus:MaxRetryDelay"] = "00:00:00.020",
            ["Gateway:Models:0"] = "tiny",
            ["Gateway:Models:1"] = "other",
            ["Gateway:InstanceId"] = InstanceId,
            ["Gateway:MaxTokensLimit"] = MaxTokensLimit.ToString(),
            ["Gateway:DefaultMaxTokens"] = "100",
            ["Gateway:MaxRequestBytes"] = "4096",
            ["Gateway:RequestTimeout"] = "00:00:10",
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);

        builder.AddMeshServiceDefaults();
        builder.AddGatewayServices();
        var scheduler = new SubscriptionOptions { Group = AppIds.Scheduler };
        builder.AddMeshBus()
            .Subscribe<InferenceRequest>(Topics.Requests, backend.OnRequestAsync, scheduler)
            .Subscribe<CancelRequest>(Topics.Cancellations, backend.OnCancelAsync, scheduler);

        WebApplication app = builder.Build();
        app.MapMeshDefaultEndpoints();
        app.MapMeshSubscriptions();
        app.MapGatewayEndpoints();
        backend.Attach(app.Services.GetRequiredService<IMeshBus>());
        await app.StartAsync();
        return new GatewayHost(app, backend);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Reaching into the gateway's state from tests.</summary>
internal static class GatewayHostState
{
    public static global::Mesh.Gateway.Replies.ReplyRegistry Registry(this GatewayHost host) => host.Services.GetRequiredService<global::Mesh.Gateway.Replies.ReplyRegistry>();
}
