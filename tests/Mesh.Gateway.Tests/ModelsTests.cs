using System.Net;
using System.Text.Json;

namespace Mesh.Gateway.Tests;

/// <summary><c>/v1/models</c> lists the configured models; any other model is a 404 <c>model_not_found</c>.</summary>
public sealed class ModelsTests
{
    [Fact]
    public async Task Models_lists_the_configured_models()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();

        JsonElement body = JsonDocument.Parse(await host.Client.GetStringAsync("/v1/models")).RootElement;

        Assert.Equal(["object", "data"], Http.Names(body));
        Assert.Equal("list", body.GetProperty("object").GetString());
        JsonElement[] data = [.. body.GetProperty("data").EnumerateArray()];
        Assert.Equal(["tiny", "other"], data.Select(m => m.GetProperty("id").GetString()));
        Assert.All(data, m => Assert.Equal(["id", "object", "created", "owned_by"], Http.Names(m)));
        Assert.All(data, m => Assert.Equal("model", m.GetProperty("object").GetString()));
        Assert.All(data, m => Assert.Equal("mesh", m.GetProperty("owned_by").GetString()));
        Assert.All(data, m => Assert.True(m.GetProperty("created").GetInt64() > 1_700_000_000));
    }

    [Fact]
    public async Task One_model_can_be_retrieved_and_an_unknown_one_is_404()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();

        JsonElement tiny = JsonDocument.Parse(await host.Client.GetStringAsync("/v1/models/tiny")).RootElement;
        using HttpResponseMessage missing = await host.Client.GetAsync("/v1/models/gpt-9");

        Assert.Equal("tiny", tiny.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Http.AssertError(JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement, "invalid_request_error", "model", "model_not_found");
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"gpt-9","messages":[{"role":"user","content":"Hi"}]}""")]
    [InlineData("/v1/completions", """{"model":"gpt-9","prompt":"Hi"}""")]
    public async Task Unknown_model_in_a_request_is_404_model_not_found(string path, string json)
    {
        await using GatewayHost host = await GatewayHost.StartAsync();

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, path, json);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("""{"error":{"message":"The model `gpt-9` does not exist.","type":"invalid_request_error","param":"model","code":"model_not_found"}}""",
            body.GetRawText());
        Assert.Equal(0, host.Backend.Requests.Count);
    }
}
