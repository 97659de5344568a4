using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Mesh.Gateway.Tests;

/// <summary>Program.cs itself, with the service's appsettings.json, through WebApplicationFactory. Each test starts and
/// stops its own host inside the test, so a failure while the host stops is this test's failure with its stack trace
/// (as a class fixture, a one-off ObjectDisposedException at shutdown surfaced only as an unexplained class-cleanup
/// failure) — and a clean stop is part of what is tested.</summary>
public sealed class ProgramTests
{
    [Fact]
    public async Task The_service_lists_its_configured_model_and_answers_health()
    {
        await using var factory = new WebApplicationFactory<Program>();
        HttpClient client = factory.CreateClient();
        JsonElement models = JsonDocument.Parse(await client.GetStringAsync("/v1/models")).RootElement;
        using HttpResponseMessage health = await client.GetAsync("/health");

        Assert.Equal(["tiny"], models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task The_service_validates_requests()
    {
        await using var factory = new WebApplicationFactory<Program>();
        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(factory.CreateClient(), "/v1/chat/completions", """{"model":"tiny","messages":[]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Http.AssertError(body, "invalid_request_error", "messages");
    }
}
