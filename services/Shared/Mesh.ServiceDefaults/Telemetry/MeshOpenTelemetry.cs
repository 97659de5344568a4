using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mesh.ServiceDefaults;

/// <summary>OpenTelemetry setup shared by every service.</summary>
internal static class MeshOpenTelemetry
{
    /// <summary>Meters and activity sources named <c>Mesh.*</c> are exported without further registration.</summary>
    public const string MeshInstrumentationPattern = "Mesh.*";

    /// <summary>
    /// Metrics (ASP.NET Core, HttpClient, runtime, every <c>Mesh.*</c> meter) scraped from <c>/metrics</c> in
    /// Prometheus format; traces (ASP.NET Core without health probes, HttpClient, <c>Mesh.*</c> sources). Both
    /// also go to OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static void AddMeshOpenTelemetry(this IHostApplicationBuilder builder, string applicationName)
    {
        OpenTelemetryBuilder otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(applicationName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(MeshBusMetrics.MeterName, MeshInstrumentationPattern)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !MeshHealth.IsProbe(http.Request.Path))
                .AddHttpClientInstrumentation()
                .AddSource(MeshInstrumentationPattern));
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) otel.UseOtlpExporter();
    }
}
