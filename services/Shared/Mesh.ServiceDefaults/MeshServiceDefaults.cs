using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Mesh.ServiceDefaults;

/// <summary>What every Mesh service shares: logging, telemetry, health.</summary>
public static class MeshServiceDefaults
{
    /// <summary>Prometheus scrape path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Serilog structured logging, OpenTelemetry metrics and traces (every <c>Mesh.*</c> meter and source),
    /// health checks. The service name is <c>APP_ID</c> (set by the Dapr CLI) or the application name.
    /// </summary>
    public static IHostApplicationBuilder AddMeshServiceDefaults(this IHostApplicationBuilder builder)
    {
        string applicationName = builder.Configuration["APP_ID"] ?? builder.Environment.ApplicationName;
        builder.AddMeshSerilog(applicationName);
        builder.AddMeshOpenTelemetry(applicationName);
        builder.Services.AddMeshHealthChecks();
        return builder;
    }

    /// <summary><c>/health</c>, <c>/alive</c> and the Prometheus scrape endpoint <c>/metrics</c>.</summary>
    public static WebApplication MapMeshDefaultEndpoints(this WebApplication app)
    {
        app.MapMeshHealthChecks();
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }
}
