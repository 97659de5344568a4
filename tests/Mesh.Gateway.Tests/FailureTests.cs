using System.Net;
using System.Text.Json;
using Mesh.Contracts;

namespace Mesh.Gateway.Tests;

/// <summary>Failed replies become HTTP errors with their code and message; a request past its deadline is a 504.</summary>
public sealed class FailureTests
{
    private const string Body = """{"model":"tiny","messages":[{"role":"user","content":"Hi"}]}""";

    [Theory]
    [InlineData(FailureCodes.InvalidRequest, HttpStatusCode.BadRequest, "invalid_request_error")]
    [InlineData(FailureCodes.Overloaded, HttpStatusCode.ServiceUnavailable, "server_error")]
    [InlineData(FailureCodes.DeadlineExceeded, HttpStatusCode.GatewayTimeout, "server_error")]
    [InlineData(FailureCodes.PoisonMessage, HttpStatusCode.InternalServerError, "server_error")]
    [InlineData(FailureCodes.Internal, HttpStatusCode.InternalServerError, "server_error")]
    public async Task Failed_reply_is_an_http_error_with_its_code_and_message(string code, HttpStatusCode status, string type)
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r => [ScriptedReplies.Chunk(r, 0, 0, "partial"), ScriptedReplies.Fail(r, code, "what went wrong: " + code)];

        (HttpStatusCode actual, JsonElement body) = await Http.PostAsync(host.Client, "/v1/chat/completions", Body);

        Assert.Equal(status, actual);
        JsonElement error = Http.AssertError(body, type, null, code);
        Assert.Equal("what went wrong: " + code, error.GetProperty("message").GetString());
        Assert.Equal(0, host.Backend.Cancellations.Count);
        Assert.Equal(0, host.Registry().Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_overload_with_a_retry_time_is_a_429_with_retry_after(bool stream)
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r => [new Failed(r.Envelope, FailureCodes.Overloaded, "first token would be too late", true, RetryAfterSeconds: 2.4)];
        using var content = new StringContent(stream ? """{"model":"tiny","prompt":"x","stream":true}""" : """{"model":"tiny","prompt":"x"}""",
            System.Text.Encoding.UTF8, "application/json");

        using HttpResponseMessage response = await host.Client.PostAsync("/v1/completions", content);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("first token would be too late", Http.AssertError(body.RootElement, "server_error", null, FailureCodes.Overloaded).GetProperty("message").GetString());
    }

    [Fact]
    public async Task No_final_reply_before_the_deadline_is_a_504_and_cancels_the_request()
    {
        await using GatewayHost host = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["Gateway:RequestTimeout"] = "00:00:00.300" });
        host.Backend.Script = r => [ScriptedReplies.Chunk(r, 0, 0, "Hel")];

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, "/v1/chat/completions", Body);

        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        Http.AssertError(body, "server_error", null, "timeout");
        await host.Backend.Cancellations.WaitForAsync(1);
        CancelRequest cancel = Assert.Single(host.Backend.Cancellations.Entries);
        Assert.Equal(Assert.Single(host.Backend.Requests.Entries).Envelope.RequestId, cancel.Envelope.RequestId);
        Assert.Equal("deadline passed at the gateway", cancel.Reason);
        Assert.Equal(0, host.Registry().Count);
    }

    [Fact]
    public async Task Streaming_request_past_its_deadline_ends_with_an_error_event()
    {
        await using GatewayHost host = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["Gateway:RequestTimeout"] = "00:00:00.300" });
        host.Backend.Script = r => [ScriptedReplies.Chunk(r, 0, 0, "Hel")];

        List<JsonElement> events = await Http.PostStreamAsync(host.Client, "/v1/completions", """{"model":"tiny","prompt":"x","stream":true}""");

        Assert.Equal("Hel", events[0].GetProperty("choices")[0].GetProperty("text").GetString());
        Http.AssertError(events[^1], "server_error", null, "timeout");
        await host.Backend.Cancellations.WaitForAsync(1);
    }
}
