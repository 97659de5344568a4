using Mesh.Contracts;
using Mesh.Gateway.Auth;
using Mesh.Gateway.Endpoints;
using Mesh.Gateway.Replies;
using Mesh.Gateway.Requests;
using Mesh.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Gateway;

/// <summary>The gateway's wiring, called from Program.cs.</summary>
public static class GatewayServiceExtensions
{
    /// <summary>
    /// <see cref="GatewayOptions"/> from <c>Gateway</c> (validated at start), API keys, the model catalog, request
    /// mapping, the reply registry, the bus with this instance's reply topic
    /// (<c>mesh.replies.&lt;InstanceId&gt;</c>) subscribed, and the batch API (<see cref="BatchApiExtensions.AddGatewayBatches"/>).
    /// </summary>
    public static IHostApplicationBuilder AddGatewayServices(this IHostApplicationBuilder builder)
    {
        IServiceCollection services = builder.Services;
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>());

        // The reply topic is a subscription, and subscriptions are fixed before the container is built.
        string? instanceId = builder.Configuration.GetSection(GatewayOptions.SectionName)[nameof(GatewayOptions.InstanceId)];
        GatewayInstance instance = GatewayInstance.From(instanceId, Environment.MachineName);
        services.AddSingleton(instance);

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<RequestBodyReader>();
        services.AddSingleton<InferenceRequestMapper>();
        services.AddSingleton<ReplyRegistry>();
        services.AddSingleton<InferenceDispatcher>();
        builder.AddMeshBus().Subscribe<ReplyMessage, ReplyTopicHandler>(instance.ReplyTopic);
        services.AddGatewayBatches(); // after the bus: hosted services stop in reverse order, so batches stop while the bus still runs
        return builder;
    }

    /// <summary>
    /// The OpenAI routes under <c>/v1</c>, every one behind the API-key check and the OpenAI error mapping.
    /// </summary>
    public static WebApplication MapGatewayEndpoints(this WebApplication app)
    {
        RouteGroupBuilder v1 = app.MapGroup("/v1")
            .AddEndpointFilter<OpenAiErrorFilter>()
            .AddEndpointFilter<ApiKeyFilter>();
        v1.MapPost("/chat/completions", CompletionEndpoints.ChatAsync);
        v1.MapPost("/completions", CompletionEndpoints.TextAsync);
        v1.MapGet("/models", (ModelCatalog models) => models.ListAsResult());
        v1.MapGet("/models/{model}", (string model, ModelCatalog models) => models.Get(model));
        v1.MapBatchApi();   // /v1/files, /v1/batches
        return app;
    }
}
