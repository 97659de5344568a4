using Mesh.Gateway.Batches;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Gateway;

/// <summary>The wiring of the batch API, called from <see cref="GatewayServiceExtensions"/>.</summary>
public static class BatchApiExtensions
{
    /// <summary>
    /// <see cref="BatchOptions"/> from <c>Gateway:Batches</c> (validated at start), the file and batch stores, the
    /// line parser and runner, and the <see cref="BatchRunner"/> hosted service that resumes unfinished batches.
    /// Nothing is written to disk until the first upload.
    /// </summary>
    public static IServiceCollection AddGatewayBatches(this IServiceCollection services)
    {
        services.AddOptions<BatchOptions>().BindConfiguration(BatchOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BatchOptions>, BatchOptionsValidator>());
        services.AddSingleton<FileStore>();
        services.AddSingleton<BatchStore>();
        services.AddSingleton<BatchLineParser>();
        services.AddSingleton<BatchRequestRunner>();
        services.AddSingleton<BatchRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<BatchRunner>());
        return services;
    }

    /// <summary><c>/v1/files</c> and <c>/v1/batches</c> on <paramref name="v1"/> (behind its API-key and error filters).</summary>
    public static RouteGroupBuilder MapBatchApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/files", FileEndpoints.UploadAsync);
        v1.MapGet("/files", FileEndpoints.List);
        v1.MapGet("/files/{fileId}", FileEndpoints.Get);
        v1.MapGet("/files/{fileId}/content", FileEndpoints.Content);
        v1.MapDelete("/files/{fileId}", FileEndpoints.Delete);
        v1.MapPost("/batches", BatchEndpoints.CreateAsync);
        v1.MapGet("/batches", BatchEndpoints.List);
        v1.MapGet("/batches/{batchId}", BatchEndpoints.Get);
        v1.MapPost("/batches/{batchId}/cancel", BatchEndpoints.CancelAsync);
        return v1;
    }
}
