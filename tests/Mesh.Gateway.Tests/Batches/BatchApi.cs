using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mesh.Contracts;

namespace Mesh.Gateway.Tests;

/// <summary>A data folder of its own for one test's batch API (several hosts may share it: a restart).</summary>
internal sealed class BatchFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mesh-batch-test-" + Guid.NewGuid().ToString("N"));

    /// <summary>Gateway settings pointing the batch API here, plus <paramref name="extra"/>.</summary>
    public Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        Dictionary<string, string?> settings = new() { ["Gateway:Batches:Directory"] = Path };
        foreach ((string key, string value) in extra) settings[key] = value;
        return settings;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Calling the files and batch routes as an OpenAI client would.</summary>
internal static class BatchApi
{
    /// <summary>A chat line asking "<paramref name="content"/>".</summary>
    public static string ChatLine(string customId, string content, string model = "tiny", string extra = "") =>
        $$$"""{"custom_id":"{{{customId}}}","method":"POST","url":"/v1/chat/completions","body":{"model":"{{{model}}}","messages":[{"role":"user","content":"{{{content}}}"}]{{{extra}}}}}""";

    public static string Jsonl(params string[] lines) => string.Join("\n", lines) + "\n";

    /// <summary>The user turn of a published chat request (the tests put the custom id there).</summary>
    public static string Content(InferenceRequest request) => ((ChatPrompt)request.Prompt).Messages[^1].Content;

    public static async Task<(HttpStatusCode Status, JsonElement Body)> UploadAsync(
        HttpClient client, string content, string purpose = "batch", string filename = "requests.jsonl", string? apiKey = null)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(purpose), "purpose");
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        form.Add(file, "file", filename);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/files") { Content = form };
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return await SendAsync(client, request);
    }

    /// <summary>Uploads <paramref name="content"/> and creates a batch on it; returns the batch object.</summary>
    public static async Task<JsonElement> StartAsync(HttpClient client, string content, string endpoint = "/v1/chat/completions")
    {
        (HttpStatusCode status, JsonElement file) = await UploadAsync(client, content);
        Assert.Equal(HttpStatusCode.OK, status);
        (status, JsonElement batch) = await Http.PostAsync(client, "/v1/batches",
            $$"""{"input_file_id":"{{file.GetProperty("id").GetString()}}","endpoint":"{{endpoint}}","completion_window":"24h"}""");
        Assert.True(status == HttpStatusCode.OK, batch.ToString());
        return batch;
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync(client, request);
    }

    /// <summary>Polls the batch until <paramref name="until"/> holds (10 s at most).</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient client, string batchId, Func<JsonElement, bool> until, string what)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(10);
        JsonElement batch;
        do
        {
            (HttpStatusCode status, batch) = await GetAsync(client, "/v1/batches/" + batchId);
            Assert.Equal(HttpStatusCode.OK, status);
            if (until(batch)) return batch;
            await Task.Delay(10);
        }
        while (DateTime.UtcNow < giveUp);
        Assert.Fail($"Batch {batchId} did not reach {what} within 10 s: {batch}");
        return batch;
    }

    public static Task<JsonElement> WaitForStatusAsync(HttpClient client, string batchId, string status) =>
        WaitAsync(client, batchId, b => b.GetProperty("status").GetString() == status, $"status '{status}'");

    /// <summary>The lines of a file's content, parsed.</summary>
    public static async Task<List<JsonElement>> LinesAsync(HttpClient client, string fileId)
    {
        using HttpResponseMessage response = await client.GetAsync($"/v1/files/{fileId}/content");
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    public static int Count(JsonElement batch, string name) => batch.GetProperty("request_counts").GetProperty(name).GetInt32();

    private static async Task<(HttpStatusCode, JsonElement)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using HttpResponseMessage response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }
}
