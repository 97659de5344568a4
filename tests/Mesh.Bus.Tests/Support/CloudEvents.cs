using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Mesh.Bus.Tests;

/// <summary>Builds the request daprd sends to a subscriber route (structured CloudEvent, Dapr-made fields).</summary>
internal static class CloudEvents
{
    public static HttpRequestMessage Delivery(string route, string topic, JsonNode? data, string dataContentType = "application/json")
    {
        var cloudEvent = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = Guid.NewGuid().ToString(),
            ["source"] = "scheduler",
            ["type"] = "com.dapr.event.sent",
            ["datacontenttype"] = dataContentType,
            ["data"] = data,
            ["topic"] = topic,
            ["pubsubname"] = "pubsub",
            ["traceid"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ["tracestate"] = "",
            ["time"] = "2025-03-04T05:06:07Z",
        };
        var request = new HttpRequestMessage(HttpMethod.Post, route)
        {
            Content = new StringContent(cloudEvent.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json");
        request.Headers.Add("pubsubname", "pubsub");
        request.Headers.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        return request;
    }
}
