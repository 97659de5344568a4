using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Mesh.Contracts;

namespace Mesh.Client;

/// <summary>
/// The CloudEvents JSON that Mesh messages travel in on a broker (structured mode, CloudEvents 1.0): what Dapr's
/// subscribers expect from an outside sender, and what Dapr publishes. The <c>data</c> member holds the message's
/// camelCase JSON (<see cref="MeshJsonContext"/>).
/// </summary>
public static class MeshCloudEvents
{
    /// <summary>Content type of a structured CloudEvent.</summary>
    public const string ContentType = "application/cloudevents+json";

    /// <summary>Content type of the <c>data</c> inside.</summary>
    public const string DataContentType = "application/json";

    /// <summary>Type prefix: a message's CloudEvent type is <c>mesh.&lt;record name&gt;</c>, as the Dapr bus writes it.</summary>
    public const string TypePrefix = "mesh.";

    /// <summary>
    /// A structured CloudEvent carrying <paramref name="message"/>: <c>specversion</c> 1.0, <c>id</c>, <c>source</c>,
    /// <c>type</c> <c>mesh.&lt;Type&gt;</c>, <c>datacontenttype</c> <c>application/json</c>, <c>time</c>, and the
    /// message as <c>data</c>.
    /// </summary>
    public static byte[] Write<T>(T message, JsonTypeInfo<T> typeInfo, string id, string source, DateTimeOffset time) where T : notnull
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(source);
        byte[] data = JsonSerializer.SerializeToUtf8Bytes(message, typeInfo);
        using var buffer = new MemoryStream(data.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("specversion", "1.0");
            writer.WriteString("id", id);
            writer.WriteString("source", source);
            writer.WriteString("type", TypePrefix + message.GetType().Name);
            writer.WriteString("datacontenttype", DataContentType);
            writer.WriteString("time", time.ToUniversalTime());
            writer.WritePropertyName("data");
            writer.WriteRawValue(data, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// The <see cref="ReplyMessage"/> in a body received from a reply topic. A CloudEvent (it has
    /// <c>specversion</c>) gives its <c>data</c>: a JSON object (Dapr's form for <c>application/json</c>), a JSON
    /// string holding the JSON, or <c>data_base64</c>. A body that is not a CloudEvent is read as the reply itself
    /// (a subscription with <c>rawPayload</c>).
    /// </summary>
    /// <exception cref="MeshProtocolException">The body is not JSON, has no data, or the data is not a reply.</exception>
    public static ReplyMessage ReadReply(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            using JsonDocument document = JsonDocument.Parse(body.ToMemory());
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new MeshProtocolException($"A reply body must be a JSON object, was {root.ValueKind}.");
            if (!root.TryGetProperty("specversion", out _)) return Deserialize(root);
            string id = root.TryGetProperty("id", out JsonElement idElement) ? idElement.ToString() : "(no id)";
            if (root.TryGetProperty("data", out JsonElement data))
            {
                return data.ValueKind switch
                {
                    JsonValueKind.Object => Deserialize(data),
                    JsonValueKind.String => Deserialize(data.GetString()!),
                    _ => throw new MeshProtocolException($"CloudEvent {id} has {data.ValueKind} data; a reply is a JSON object."),
                };
            }
            if (root.TryGetProperty("data_base64", out JsonElement base64) && base64.ValueKind == JsonValueKind.String)
                return Deserialize(Encoding.UTF8.GetString(Convert.FromBase64String(base64.GetString()!)));
            throw new MeshProtocolException($"CloudEvent {id} carries no data.");
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw new MeshProtocolException($"A reply body is not a CloudEvent with a Mesh reply: {ex.Message}", ex);
        }
    }

    private static ReplyMessage Deserialize(JsonElement element) =>
        element.Deserialize(MeshJsonContext.Default.ReplyMessage) ?? throw new MeshProtocolException("A reply is JSON null.");

    private static ReplyMessage Deserialize(string json) =>
        JsonSerializer.Deserialize(json, MeshJsonContext.Default.ReplyMessage) ?? throw new MeshProtocolException("A reply is JSON null.");
}
