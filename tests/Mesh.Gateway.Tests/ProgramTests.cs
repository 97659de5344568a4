using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Mesh.Gateway.Tests;

/// <summary>Program.cs itself, with the service's appsettings.json, through WebApplicationFactory.</summary>
public sealed class ProgramTests : IClassFixture<WebApplicationFactory<Program>>
{
    private readonly HttpClient _client;

    public ProgramTests(WebApplicationFactory<Program> factory) => _client = factory.CreateClient();

    [Fact]
    public async Task The_service_lists_its_configured_model_and_answers_health()
    {
        JsonElement models = JsonDocument.Parse(await _client.GetStringAsync("/v1/models")).RootElement;
        using HttpResponseMessage health = await _client.GetAsync("/health");

        Assert.Equal(["tiny"], models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task The_service_validates_requests()
    {
        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(_client, "/v1/chat/completions", """{"model":"tiny","messages":[]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Http.AssertError(body, "invalid_request_error", "messages");
    }
}
