using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.ServiceDefaults;

/// <summary>Health checks: <c>/alive</c> (the process answers; liveness) and <c>/health</c> (every check; readiness, and Dapr's app health path).</summary>
internal static class MeshHealth
{
    /// <summary>Liveness path.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Readiness path.</summary>
    public const string HealthPath = "/health";

    /// <summary>Tag of the checks <c>/alive</c> runs.</summary>
    public const string LiveTag = "live";

    public static void AddMeshHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

    public static void MapMeshHealthChecks(this WebApplication app)
    {
        app.MapHealthChecks(HealthPath);
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
    }

    /// <summary>Health and metrics scrapes are not traced.</summary>
    public static bool IsProbe(PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath) || path.StartsWithSegments(MeshServiceDefaults.MetricsPath);
}
