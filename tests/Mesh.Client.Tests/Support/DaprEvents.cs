using System.Text;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Mesh.Contracts;

namespace Mesh.Client.Tests;

/// <summary>
/// Bodies as Dapr publishes them to a Service Bus topic: the Mesh bus calls <c>PublishByteEventAsync</c> with
/// <c>application/json</c> and <c>cloudevent.type = mesh.&lt;Type&gt;</c>, and daprd wraps the bytes in a CloudEvent
/// with its own id, source (the app id), topic, pub/sub name and trace fields, the JSON inline as <c>data</c>.
/// </summary>
internal static class DaprEvents
{
    public static string Reply(ReplyMessage reply, string topic = "mesh.replies.sb-client")
    {
        string data = JsonSerializer.Serialize(reply, MeshJsonContext.Default.ReplyMessage);
        return $$"""
            {"data":{{data}},"datacontenttype":"application/json","id":"{{Guid.NewGuid()}}","pubsubname":"pubsub","source":"decode","specversion":"1.0","time":"2026-11-25T10:00:00Z","topic":"{{topic}}","traceid":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"","type":"mesh.{{reply.GetType().Name}}"}
            """;
    }

    /// <summary>A received Service Bus message with <paramref name="body"/>, as the SDK hands it out.</summary>
    public static ServiceBusReceivedMessage Received(string body) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: new BinaryData(Encoding.UTF8.GetBytes(body)),
            messageId: Guid.NewGuid().ToString("N"),
            deliveryCount: 1,
            lockTokenGuid: Guid.NewGuid());
}
