using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using static Mesh.Gateway.Tests.BatchApi;

namespace Mesh.Gateway.Tests;

/// <summary><c>/v1/files</c> and the batch routes' checks: shapes, size limit, unknown ids, per-key visibility.</summary>
public sealed class FilesApiTests
{
    [Fact]
    public async Task A_file_is_uploaded_described_listed_downloaded_and_deleted()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());
        string content = Jsonl(ChatLine("a", "héllo"), ChatLine("b", "日本"));

        (HttpStatusCode status, JsonElement file) = await UploadAsync(host.Client, content, filename: "my.jsonl");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["id", "object", "bytes", "created_at", "expires_at", "filename", "purpose", "status", "status_details"], Http.Names(file));
        string id = file.GetProperty("id").GetString()!;
        Assert.StartsWith("file-", id);
        Assert.Equal("file", file.GetProperty("object").GetString());
        Assert.Equal(Encoding.UTF8.GetByteCount(content), file.GetProperty("bytes").GetInt64());
        Assert.Equal("my.jsonl", file.GetProperty("filename").GetString());
        Assert.Equal("batch", file.GetProperty("purpose").GetString());

        (status, JsonElement got) = await GetAsync(host.Client, "/v1/files/" + id);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(file.ToString(), got.ToString());
        (_, JsonElement list) = await GetAsync(host.Client, "/v1/files");
        Assert.Equal(["object", "data", "first_id", "last_id", "has_more"], Http.Names(list));
        Assert.Equal(id, Assert.Single(list.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(content, await host.Client.GetStringAsync($"/v1/files/{id}/content"));

        using HttpResponseMessage deleted = await host.Client.DeleteAsync("/v1/files/" + id);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal($$"""{"id":"{{id}}","object":"file","deleted":true}""", await deleted.Content.ReadAsStringAsync());
        (status, _) = await GetAsync(host.Client, "/v1/files/" + id);
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task Files_list_in_pages_newest_first()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());
        List<string> ids = [];
        for (int i = 0; i < 3; i++) ids.Add((await UploadAsync(host.Client, ChatLine($"c{i}", "x"))).Body.GetProperty("id").GetString()!);

        (_, JsonElement first) = await GetAsync(host.Client, "/v1/files?limit=2");
        (_, JsonElement rest) = await GetAsync(host.Client, "/v1/files?limit=2&after=" + first.GetProperty("last_id").GetString());
        (HttpStatusCode status, JsonElement bad) = await GetAsync(host.Client, "/v1/files?limit=0");

        Assert.Equal([ids[2], ids[1]], first.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal([ids[0]], rest.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
        Assert.False(rest.GetProperty("has_more").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Http.AssertError(bad, "invalid_request_error", "limit", "invalid_value");
    }

    [Fact]
    public async Task An_oversized_file_is_refused_with_413_and_leaves_nothing_behind()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings(("Gateway:Batches:MaxFileBytes", "2048")));

        (HttpStatusCode status, JsonElement body) = await UploadAsync(host.Client, new string('x', 3000));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        JsonElement error = Http.AssertError(body, "invalid_request_error", "file", "file_too_large");
        Assert.Contains("2048", error.GetProperty("message").GetString());
        (_, JsonElement list) = await GetAsync(host.Client, "/v1/files");
        Assert.Empty(list.GetProperty("data").EnumerateArray());
        string files = Path.Combine(folder.Path, "files");
        Assert.True(!Directory.Exists(files) || Directory.GetFiles(files).Length == 0);
    }

    [Fact]
    public async Task Uploads_need_purpose_batch_and_a_file_in_a_multipart_form()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());

        (HttpStatusCode status, JsonElement body) = await UploadAsync(host.Client, "x", purpose: "fine-tune");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Http.AssertError(body, "invalid_request_error", "purpose", "invalid_value");

        (status, body) = await Http.PostAsync(host.Client, "/v1/files", """{"purpose":"batch"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Http.AssertError(body, "invalid_request_error", null, "invalid_request");

        using var form = new MultipartFormDataContent { { new StringContent("batch"), "purpose" } };
        using HttpResponseMessage noFile = await host.Client.PostAsync("/v1/files", form);
        Assert.Equal(HttpStatusCode.BadRequest, noFile.StatusCode);
        Http.AssertError(JsonDocument.Parse(await noFile.Content.ReadAsStringAsync()).RootElement, "invalid_request_error", "file", "missing_required_parameter");
    }

    [Theory]
    [InlineData("GET", "/v1/files/file-nope", "file_id")]
    [InlineData("GET", "/v1/files/file-nope/content", "file_id")]
    [InlineData("DELETE", "/v1/files/file-nope", "file_id")]
    [InlineData("GET", "/v1/batches/batch_nope", "batch_id")]
    [InlineData("POST", "/v1/batches/batch_nope/cancel", "batch_id")]
    public async Task Unknown_ids_get_404_with_an_openai_error(string method, string path, string param)
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());

        using HttpResponseMessage response = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Http.AssertError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement, "invalid_request_error", param, "not_found");
    }

    [Theory]
    [InlineData("""{"input_file_id":"file-nope","endpoint":"/v1/chat/completions","completion_window":"24h"}""", 404, "file_id", "not_found")]
    [InlineData("""{"endpoint":"/v1/chat/completions","completion_window":"24h"}""", 400, "input_file_id", "missing_required_parameter")]
    [InlineData("""{"input_file_id":"FILE","endpoint":"/v1/embeddings","completion_window":"24h"}""", 400, "endpoint", "invalid_value")]
    [InlineData("""{"input_file_id":"FILE","endpoint":"/v1/completions","completion_window":"1h"}""", 400, "completion_window", "invalid_value")]
    [InlineData("""{"input_file_id":"FILE","endpoint":"/v1/completions","completion_window":"24h","metadata":{"k":1}}""", 400, "metadata.k", "invalid_type")]
    [InlineData("""{"input_file_id":"FILE","endpoint":"/v1/completions","completion_window":"24h","metadata":{"k":"ok"}}""", 200, null, null)]
    public async Task Creating_a_batch_checks_its_fields(string template, int expected, string? param, string? code)
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());
        string fileId = (await UploadAsync(host.Client, ChatLine("a", "x"))).Body.GetProperty("id").GetString()!;

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, "/v1/batches", template.Replace("FILE", fileId));

        Assert.Equal(expected, (int)status);
        if (code is not null) Http.AssertError(body, "invalid_request_error", param, code);
        else Assert.Equal("ok", body.GetProperty("metadata").GetProperty("k").GetString());
    }

    [Fact]
    public async Task The_input_of_a_running_batch_cannot_be_deleted()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());
        host.Backend.Script = _ => [];
        JsonElement batch = await StartAsync(host.Client, Jsonl(ChatLine("a", "x")));
        await host.Backend.Requests.WaitForAsync(1);

        using HttpResponseMessage response = await host.Client.DeleteAsync("/v1/files/" + batch.GetProperty("input_file_id").GetString());

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Http.AssertError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement, "invalid_request_error", "file_id", "file_in_use");
    }

    [Fact]
    public async Task Files_and_batches_of_one_key_are_invisible_to_another_and_need_a_key()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings(("Gateway:ApiKeys:0", "sk-one"), ("Gateway:ApiKeys:1", "sk-two")));

        (HttpStatusCode status, JsonElement file) = await UploadAsync(host.Client, ChatLine("a", "x"), apiKey: "sk-one");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await UploadAsync(host.Client, ChatLine("a", "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);

        string path = "/v1/files/" + file.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await SendWithKeyAsync(host.Client, path, "sk-one")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendWithKeyAsync(host.Client, path, "sk-two")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendWithKeyAsync(host.Client, path, null)).StatusCode);
    }

    private static async Task<HttpResponseMessage> SendWithKeyAsync(HttpClient client, string path, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await client.SendAsync(request);
    }
}
