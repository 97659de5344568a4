using System.Net;
using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Bus.Tests;

/// <summary>A service wired the way every Mesh Program.cs is: defaults, bus, endpoints.</summary>
public sealed class DefaultEndpointsTests
{
    [Fact]
    public async Task A_service_exposes_health_liveness_and_bus_metrics()
    {
        var handled = new MessageLog<CancelRequest>();
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mesh:Bus:AppId"] = AppIds.Scheduler });
        builder.AddMeshServiceDefaults();
        builder.AddMeshBus().Subscribe<CancelRequest>(Topics.Cancellations, (m, _) => { handled.Add(m); return Task.FromResult(HandlerResult.Success); });
        await using WebApplication app = builder.Build();
        app.MapMeshDefaultEndpoints();
        app.MapMeshSubscriptions();
        await app.StartAsync();
        HttpClient client = app.GetTestClient();

        await app.Services.GetRequiredService<IMeshBus>().PublishAsync(Topics.Cancellations, Messages.Cancel("r1"));
        await handled.WaitForAsync(1);
        HttpResponseMessage health = await client.GetAsync("/health");
        HttpResponseMessage alive = await client.GetAsync("/alive");
        string metrics = await client.GetStringAsync(MeshServiceDefaults.MetricsPath);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Contains("mesh_bus_published_total{", metrics);
        Assert.Contains("topic=\"mesh.cancellations\"", metrics);
        Assert.Contains("mesh_bus_deliveries_total{", metrics);
        Assert.Contains("mesh_bus_handler_duration_seconds_bucket{", metrics);
    }
}
