using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Formatting.Compact;

namespace Mesh.ServiceDefaults;

/// <summary>Serilog setup shared by every service.</summary>
internal static class MeshLogging
{
    /// <summary>
    /// Serilog as the logging provider: settings from the <c>Serilog</c> configuration section, log-context
    /// enrichment, an <c>Application</c> property; when the section names no sinks, the console: plain text in
    /// Development, compact JSON (one structured event per line) elsewhere. Each host owns its logger and leaves the
    /// static <c>Serilog.Log.Logger</c> alone: by default Serilog makes the static logger the one every host logs
    /// through and disposes it with the first host that stops, under the others still running in the same process
    /// (test classes run hosts side by side: the likely cause of the ObjectDisposedException one test class's host cleanup
    /// hit once, not reproduced since).
    /// </summary>
    public static void AddMeshSerilog(this IHostApplicationBuilder builder, string applicationName)
    {
        IConfiguration configuration = builder.Configuration;
        bool development = builder.Environment.IsDevelopment();
        bool sinksConfigured = configuration.GetSection("Serilog:WriteTo").Exists();
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Application", applicationName);
            if (sinksConfigured) return;
            if (development)
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj} {Properties:j}{NewLine}{Exception}");
            else
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
        }, preserveStaticLogger: true);
    }
}
