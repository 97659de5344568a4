using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Mesh.Contracts;

namespace Mesh.Dapr.Tests;

/// <summary>Posting to a service's topic routes the way daprd does, and reading its status answers.</summary>
internal static class Deliveries
{
    /// <summary>The route Mesh maps for <paramref name="topic"/> (as listed by <c>/dapr/subscribe</c>, with its leading slash).</summary>
    public static string RouteOf(string topic) => "/mesh/topics/" + topic;

    /// <summary>A request-scoped envelope with an hour to run.</summary>
    public static MessageEnvelope Envelope(string requestId, int attempt = 0) =>
        new(new RequestId(requestId), attempt, Priority.Online, DateTimeOffset.UtcNow.AddHours(1), new TenantId("tenant-dapr"));

    /// <summary>The contract JSON of <paramref name="message"/>, as <typeparamref name="T"/> (a reply as <see cref="ReplyMessage"/> writes its kind).</summary>
    public static JsonNode Json<T>(T message) where T : notnull =>
        JsonNode.Parse(JsonSerializer.Serialize(message, TypeInfo<T>()))!;

    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)MeshJsonContext.Default.GetTypeInfo(typeof(T))!;

    /// <summary>Delivers <paramref name="message"/> on <paramref name="topic"/> and returns the status the app answered.</summary>
    public static Task<string> DeliverAsync<T>(this HttpClient app, string topic, T message) where T : notnull =>
        app.DeliverAsync(topic, Json(message));

    /// <summary>Delivers <paramref name="data"/> as the CloudEvent's data and returns the status the app answered.</summary>
    public static async Task<string> DeliverAsync(this HttpClient app, string topic, JsonNode? data)
    {
        using HttpResponseMessage response = await app.SendAsync(CloudEvents.Delivery(RouteOf(topic), topic, data));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {RouteOf(topic)} answered {(int)response.StatusCode}: {body}");
        return (string?)JsonNode.Parse(body)!["status"] ?? throw new Xunit.Sdk.XunitException($"No status in '{body}'.");
    }

    /// <summary>
    /// Bodies that are not the topic's message (fresh nodes per call: a node joins one CloudEvent): daprd must be told DROP
    /// (dead-letter) without the handler running.
    /// </summary>
    public static IEnumerable<JsonNode?> Malformed() =>
    [
        JsonNode.Parse("""{"envelope":5}"""),
        JsonNode.Parse("\"not a message\""),
        JsonNode.Parse("""{"envelope":{"requestId":"r","attempt":0,"priority":"urgent","deadline":"2025-01-01T00:00:00+00:00","tenantId":"t"}}"""),
    ];
}
