using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Contracts;

namespace Mesh.Client.Tests;

/// <summary>How <see cref="MeshHttpClient"/> reports the gateway's errors, a missing gateway, and unreadable answers.</summary>
public sealed class HttpErrorTests : IAsyncLifetime
{
    private const string Key = "sk-mesh-test-key";

    private GatewayServer _server = null!;

    public async Task InitializeAsync() => _server = await GatewayServer.StartAsync(Key);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static ChatCompletionRequest Hi(string model = "tiny") => new() { Model = model, Messages = [ChatTurn.User("Hi")] };

    [Fact]
    public async Task A_missing_or_wrong_key_is_401_invalid_api_key_and_the_right_key_passes()
    {
        using var none = new MeshHttpClient(_server.Address);
        using var wrong = new MeshHttpClient(_server.Address, "sk-wrong");
        using var right = new MeshHttpClient(_server.Address, Key);

        var missing = await Assert.ThrowsAsync<MeshApiException>(() => none.CompleteChatAsync(Hi()));
        var rejected = await Assert.ThrowsAsync<MeshApiException>(() => wrong.ListModelsAsync());
        ChatCompletion answer = await right.CompleteChatAsync(Hi());

        foreach (MeshApiException error in new[] { missing, rejected })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
            Assert.Equal(("invalid_request_error", "invalid_api_key", null), (error.ErrorType, error.Code, error.Param));
            Assert.StartsWith("The Mesh gateway answered HTTP 401 invalid_request_error/invalid_api_key: ", error.Message);
        }
        Assert.Equal("Hello", answer.Text);
        Assert.Equal(1, _server.Scheduler.Requests.Count);
    }

    [Fact]
    public async Task An_unknown_model_is_404_model_not_found()
    {
        using var client = new MeshHttpClient(_server.Address, Key);

        var chat = await Assert.ThrowsAsync<MeshApiException>(() => client.CompleteChatAsync(Hi("gpt-9")));
        var card = await Assert.ThrowsAsync<MeshApiException>(() => client.GetModelAsync("gpt-9"));
        var stream = await Assert.ThrowsAsync<MeshApiException>(async () =>
        {
            await foreach (ChatCompletionUpdate _ in client.StreamChatAsync(Hi("gpt-9"))) { }
        });

        foreach (MeshApiException error in new[] { chat, card, stream })
        {
            Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
            Assert.Equal(("invalid_request_error", "model_not_found"), (error.ErrorType, error.Code));
            Assert.Contains("gpt-9", error.ErrorMessage);
        }
        Assert.Equal("model", chat.Param);
        Assert.Equal(0, _server.Scheduler.Requests.Count);
    }

    [Fact]
    public async Task A_bad_field_is_400_with_the_field_named()
    {
        using var client = new MeshHttpClient(_server.Address, Key);

        var temperature = await Assert.ThrowsAsync<MeshApiException>(() => client.CompleteChatAsync(Hi() with { Temperature = 5f }));
        var role = await Assert.ThrowsAsync<MeshApiException>(() => client.CompleteChatAsync(new ChatCompletionRequest { Model = "tiny", Messages = [new ChatTurn("wizard", "Hi")] }));
        var empty = await Assert.ThrowsAsync<MeshApiException>(() => client.CompleteAsync(new TextCompletionRequest { Model = "tiny", Prompt = "" }));

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_value", "temperature"), (temperature.StatusCode, temperature.Code, temperature.Param));
        Assert.Equal((HttpStatusCode.BadRequest, "messages[0].role"), (role.StatusCode, role.Param));
        Assert.Equal((HttpStatusCode.BadRequest, "prompt"), (empty.StatusCode, empty.Param));
        Assert.Contains("param 'temperature'", temperature.Message);
    }

    [Fact]
    public async Task A_failure_in_the_mesh_keeps_its_code_and_status()
    {
        using var client = new MeshHttpClient(_server.Address, Key);
        _server.Scheduler.Script = r => [ScriptedReplies.Fail(r, FailureCodes.Overloaded, "no capacity before the deadline", retryable: true)];

        var error = await Assert.ThrowsAsync<MeshApiException>(() => client.CompleteChatAsync(Hi()));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(("server_error", "overloaded"), (error.ErrorType, error.Code));
        Assert.Equal("no capacity before the deadline", error.ErrorMessage);
    }

    [Fact]
    public async Task An_unreachable_gateway_is_a_connection_error()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new MeshHttpClient(new Uri($"http://127.0.0.1:{port}"));

        var error = await Assert.ThrowsAsync<MeshConnectionException>(() => client.ListModelsAsync());

        Assert.StartsWith($"Cannot reach the Mesh gateway at http://127.0.0.1:{port}/v1/: ", error.Message);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public void A_body_that_is_not_an_OpenAI_error_is_reported_with_its_status_and_start()
    {
        MeshApiException error = ErrorBodies.FromBody(HttpStatusCode.BadGateway, "<html>upstream connect error</html>");
        MeshApiException empty = ErrorBodies.FromBody(HttpStatusCode.BadGateway, "");

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Null(error.ErrorType);
        Assert.Equal("502 BadGateway: <html>upstream connect error</html>", error.ErrorMessage);
        Assert.Equal("502 BadGateway with an empty body", empty.ErrorMessage);
    }

    [Fact]
    public async Task Server_sent_events_join_data_lines_skip_comments_and_require_done()
    {
        var source = new Uri("http://gateway/v1/chat/completions");
        using var events = new ServerSentEvents(Body(": keep-alive\n\ndata: {\"a\":\ndata: 1}\n\nevent: x\ndata:{}\n\ndata: [DONE]\n\n"), source);
        using var cut = new ServerSentEvents(Body("data: {}\n\ndata: {\"half\""), source);

        Assert.Equal("{\"a\":\n1}", await events.NextAsync(default));
        Assert.Equal("{}", await events.NextAsync(default));
        Assert.Null(await events.NextAsync(default));
        Assert.Equal("{}", await cut.NextAsync(default));
        var error = await Assert.ThrowsAsync<MeshProtocolException>(() => cut.NextAsync(default).AsTask());
        Assert.Contains("ended without 'data: [DONE]'", error.Message);
    }

    [Fact]
    public void An_event_that_is_not_a_chunk_is_a_protocol_error()
    {
        var source = new Uri("http://gateway/v1/chat/completions");

        var error = Assert.Throws<MeshProtocolException>(() => StreamEvents.Parse("[1,2]", MeshClientJsonContext.Default.ChatCompletionUpdate, source));
        var inStream = Assert.Throws<MeshApiException>(() => StreamEvents.Parse("""{"error":{"message":"m","type":"server_error","param":null,"code":"internal"}}""", MeshClientJsonContext.Default.ChatCompletionUpdate, source));

        Assert.Contains("ChatCompletionUpdate", error.Message);
        Assert.Equal((null, "internal"), (inStream.StatusCode, inStream.Code));
    }

    private static MemoryStream Body(string text) => new(Encoding.UTF8.GetBytes(text));
}
