using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// The HTTP endpoint daprd posts a subscription's messages to. <c>UseCloudEvents</c> has already replaced the
/// CloudEvent with its <c>data</c>. Always answers 200 with Dapr's status body:
/// <c>{"status":"SUCCESS"}</c>, <c>"RETRY"</c> (handler asked, threw, or the same message is being handled),
/// or <c>"DROP"</c> (handler asked, or the body is not a valid message: daprd then sends it to the
/// subscription's dead-letter topic).
/// </summary>
internal static class DaprTopicEndpoint
{
    private static readonly byte[] SuccessBody = """{"status":"SUCCESS"}"""u8.ToArray();
    private static readonly byte[] RetryBody = """{"status":"RETRY"}"""u8.ToArray();
    private static readonly byte[] DropBody = """{"status":"DROP"}"""u8.ToArray();

    /// <summary>Route of a topic's endpoint.</summary>
    public static string RouteFor(string topic) => "/mesh/topics/" + topic;

    public static async Task HandleAsync(HttpContext http, MeshSubscription subscription)
    {
        IServiceProvider services = http.RequestServices;
        object? message = await ReadAsync(http, subscription, services);
        HandlerResult result = message is null
            ? HandlerResult.Drop
            : await services.GetRequiredService<MessageDispatcher>().DispatchAsync(subscription, message, http.RequestAborted);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(result switch
        {
            HandlerResult.Success => SuccessBody,
            HandlerResult.Retry => RetryBody,
            _ => DropBody,
        }, http.RequestAborted);
    }

    /// <summary>The message, or null (logged) when the body cannot be read as the subscription's type.</summary>
    private static async Task<object?> ReadAsync(HttpContext http, MeshSubscription subscription, IServiceProvider services)
    {
        var serializer = services.GetRequiredService<MeshSerializer>();
        try
        {
            return await JsonSerializer.DeserializeAsync(http.Request.Body, serializer.TypeInfo(subscription.MessageType), http.RequestAborted)
                ?? throw new JsonException("The body is JSON null.");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DaprTopicEndpoint))
                .Undeserializable(subscription.Topic, subscription.MessageType.Name, ex.Message);
            return null;
        }
    }
}
