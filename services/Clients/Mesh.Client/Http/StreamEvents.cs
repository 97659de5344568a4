using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Mesh.Client;

/// <summary>Turns the data of one stream event into a chunk, or into the error the gateway sent in its place.</summary>
internal static class StreamEvents
{
    /// <summary>
    /// <paramref name="data"/> read as <typeparamref name="T"/>.
    /// </summary>
    /// <exception cref="MeshApiException">The event is an error event (<c>{"error":{…}}</c>): the request failed after the stream began.</exception>
    /// <exception cref="MeshProtocolException">The event is neither.</exception>
    public static T Parse<T>(string data, JsonTypeInfo<T> typeInfo, Uri source)
    {
        if (HasTopLevelError(data)) throw ErrorBodies.FromBody(null, data);
        try
        {
            return JsonSerializer.Deserialize(data, typeInfo)
                ?? throw new MeshProtocolException($"An event from {source} was JSON null.");
        }
        catch (JsonException ex)
        {
            throw new MeshProtocolException($"An event from {source} is not a {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>Whether the event is a JSON object with a top-level <c>error</c> member.</summary>
    private static bool HasTopLevelError(string data)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(data));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("error"u8)) return true;
                reader.Read();
                reader.TrySkip();
            }
        }
        catch (JsonException)
        {
        }
        return false;
    }
}
