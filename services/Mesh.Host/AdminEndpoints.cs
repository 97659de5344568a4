using System.Text.Json.Serialization;
using Mesh.Contracts;
using Mesh.Scheduler;
using Mesh.Workers.Hosting;

namespace Mesh.Host;

/// <summary>
/// Operators' drill endpoints, mapped only with <c>--admin</c> (never expose them publicly): list the engine workers and
/// what they serve, kill one as a process would die, drain or undrain one, and restart the scheduler in place (its
/// memory dropped, its requests recovered from the journal).
/// </summary>
public static class AdminEndpoints
{
    /// <summary><c>GET /admin/workers</c>, <c>POST /admin/workers/{id}/kill|drain|undrain</c>, <c>POST /admin/scheduler/restart</c>.</summary>
    public static WebApplication MapMeshAdminEndpoints(this WebApplication app)
    {
        RouteGroupBuilder admin = app.MapGroup("/admin");
        admin.MapGet("/workers", ListAsync);
        admin.MapPost("/workers/{id}/kill", (string id, WorkerRegistry workers, CancellationToken ct) =>
            ActAsync(workers, id, async w => await w.KillAsync().ConfigureAwait(false), ct));
        admin.MapPost("/workers/{id}/drain", (string id, WorkerRegistry workers, CancellationToken ct) =>
            ActAsync(workers, id, w => { w.Drain(true); return Task.CompletedTask; }, ct));
        admin.MapPost("/workers/{id}/undrain", (string id, WorkerRegistry workers, CancellationToken ct) =>
            ActAsync(workers, id, w => { w.Drain(false); return Task.CompletedTask; }, ct));
        admin.MapPost("/scheduler/restart", async (IServiceProvider services, CancellationToken ct) =>
            Results.Json(new SchedulerRestarted(await services.RestartSchedulerAsync(ct).ConfigureAwait(false)), AdminJson.Default.SchedulerRestarted));
        return app;
    }

    private static async Task<IResult> ListAsync(WorkerRegistry workers, CancellationToken ct)
    {
        List<AdminWorker> list = [];
        foreach (EngineWorker worker in workers.Built) list.Add(AdminWorker.Of(await worker.DescribeAsync(ct).ConfigureAwait(false)));
        return Results.Json(list.ToArray(), AdminJson.Default.AdminWorkerArray);
    }

    private static async Task<IResult> ActAsync(WorkerRegistry workers, string id, Func<EngineWorker, Task> act, CancellationToken ct)
    {
        if (workers.Find(new WorkerId(id)) is not { } worker)
            return Results.Json(new AdminError($"no engine worker '{id}' in this process; GET /admin/workers lists them"), AdminJson.Default.AdminError,
                statusCode: StatusCodes.Status404NotFound);
        await act(worker).ConfigureAwait(false);
        return Results.Json(AdminWorker.Of(await worker.DescribeAsync(ct).ConfigureAwait(false)), AdminJson.Default.AdminWorker);
    }
}

/// <summary>One worker in the admin API.</summary>
public sealed record AdminWorker(string Id, string[] Roles, string State, string[] Requests)
{
    internal static AdminWorker Of(WorkerDescription d) =>
        new(d.Id.Value, [.. d.Roles.Select(r => r.ToString().ToLowerInvariant())], d.State, [.. d.Requests.Select(r => r.Value)]);
}

/// <summary>Answer of a scheduler restart.</summary>
public sealed record SchedulerRestarted(int Recovered);

/// <summary>An admin API error.</summary>
public sealed record AdminError(string Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(AdminWorker))]
[JsonSerializable(typeof(AdminWorker[]))]
[JsonSerializable(typeof(SchedulerRestarted))]
[JsonSerializable(typeof(AdminError))]
internal sealed partial class AdminJson : JsonSerializerContext;
