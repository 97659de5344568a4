using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Mesh.Gateway.Tests;

/// <summary>Posting JSON and reading OpenAI answers (JSON bodies, SSE streams, error bodies).</summary>
internal static class Http
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string path, string json, string? apiKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(json) };
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using HttpResponseMessage response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>
    /// The <c>data:</c> payloads of an SSE body, in order, checking the framing: every event is one
    /// <c>data: …</c> line followed by a blank line, and the last is <c>[DONE]</c> (not returned).
    /// </summary>
    public static async Task<List<JsonElement>> PostStreamAsync(HttpClient client, string path, string json)
    {
        using HttpResponseMessage response = await client.PostAsync(path, Json(json));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return ParseSse(await response.Content.ReadAsStringAsync());
    }

    public static List<JsonElement> ParseSse(string body)
    {
        Assert.EndsWith("data: [DONE]\n\n", body);
        string[] events = body[..^"\n\n".Length].Split("\n\n");
        List<JsonElement> payloads = [];
        for (int i = 0; i < events.Length; i++)
        {
            Assert.StartsWith("data: ", events[i]);
            Assert.DoesNotContain('\n', events[i]);
            string data = events[i]["data: ".Length..];
            if (i == events.Length - 1) Assert.Equal("[DONE]", data);
            else payloads.Add(JsonDocument.Parse(data).RootElement.Clone());
        }
        return payloads;
    }

    /// <summary>Asserts an OpenAI error body and returns its <c>error</c> object.</summary>
    public static JsonElement AssertError(JsonElement body, string type, string? param, string? code = null)
    {
        JsonElement error = body.GetProperty("error");
        Assert.Equal(["message", "type", "param", "code"], error.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        if (code is not null) Assert.Equal(code, error.GetProperty("code").GetString());
        return error;
    }

    public static string[] Names(JsonElement obj) => [.. obj.EnumerateObject().Select(p => p.Name)];
}
