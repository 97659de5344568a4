using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;

namespace Mesh.Bus.Tests;

/// <summary>A minimal ASP.NET Core app on TestServer wired as a Mesh service: <c>AddMeshBus</c> + <c>MapMeshSubscriptions</c>.</summary>
internal sealed class DaprTestApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DaprTestApp(WebApplication app)
    {
        _app = app;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    public static async Task<DaprTestApp> StartAsync(Action<MeshBusBuilder> subscribe, string mode = "Dapr")
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Bus:Mode"] = mode,
            ["Mesh:Bus:AppId"] = "prefill",
        });
        subscribe(builder.AddMeshBus());
        WebApplication app = builder.Build();
        app.MapMeshSubscriptions();
        await app.StartAsync();
        return new DaprTestApp(app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }
}
