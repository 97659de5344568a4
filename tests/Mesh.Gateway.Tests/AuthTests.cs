using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mesh.Contracts;

namespace Mesh.Gateway.Tests;

/// <summary>API keys: off when none are configured, otherwise a bearer key is required on every /v1 route.</summary>
public sealed class AuthTests
{
    private const string Key = "sk-mesh-test-1";
    private const string Body = """{"model":"tiny","messages":[{"role":"user","content":"Hi"}]}""";

    private static readonly Dictionary<string, string?> WithKeys = new()
    {
        ["Gateway:ApiKeys:0"] = Key,
        ["Gateway:ApiKeys:1"] = "sk-mesh-test-2",
    };

    [Fact]
    public async Task Without_configured_keys_no_header_is_needed_and_the_tenant_is_default()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();

        (HttpStatusCode status, _) = await Http.PostAsync(host.Client, "/v1/chat/completions", Body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(new TenantId("default"), Assert.Single(host.Backend.Requests.Entries).Envelope.TenantId);
    }

    [Fact]
    public async Task Missing_key_is_a_401_with_an_openai_error_and_nothing_is_published()
    {
        await using GatewayHost host = await GatewayHost.StartAsync(WithKeys);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Http.Json(Body) };
        using HttpResponseMessage response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        JsonElement body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Http.AssertError(body, "invalid_request_error", null, "invalid_api_key");
        Assert.Equal(0, host.Backend.Requests.Count);
    }

    [Theory]
    [InlineData("sk-wrong")]
    [InlineData("sk-mesh-test-")]
    public async Task Wrong_key_is_a_401_that_does_not_echo_the_key(string key)
    {
        await using GatewayHost host = await GatewayHost.StartAsync(WithKeys);

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, "/v1/chat/completions", Body, apiKey: key);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        JsonElement error = Http.AssertError(body, "invalid_request_error", null, "invalid_api_key");
        Assert.DoesNotContain(key, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Each_valid_key_is_its_own_tenant_and_the_key_never_travels()
    {
        await using GatewayHost host = await GatewayHost.StartAsync(WithKeys);

        (HttpStatusCode first, _) = await Http.PostAsync(host.Client, "/v1/chat/completions", Body, apiKey: Key);
        (HttpStatusCode second, _) = await Http.PostAsync(host.Client, "/v1/chat/completions", Body, apiKey: "sk-mesh-test-2");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first, second));
        TenantId[] tenants = [.. host.Backend.Requests.Entries.Select(r => r.Envelope.TenantId)];
        Assert.All(tenants, t => Assert.Matches("^key-[0-9a-f]{16}$", t.Value));
        Assert.NotEqual(tenants[0], tenants[1]);
    }

    [Fact]
    public async Task Models_need_the_key_but_health_does_not()
    {
        await using GatewayHost host = await GatewayHost.StartAsync(WithKeys);

        using HttpResponseMessage anonymous = await host.Client.GetAsync("/v1/models");
        using var authorized = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        authorized.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using HttpResponseMessage models = await host.Client.SendAsync(authorized);
        using HttpResponseMessage health = await host.Client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
