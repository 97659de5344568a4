using System.Net;
using System.Net.Sockets;
using Mesh.Cli;
using Mesh.Cli.Commands;
using Mesh.Contracts;

namespace Mesh.Client.Tests;

/// <summary><c>mesh chat</c> fed from a string, against the real gateway on loopback.</summary>
public sealed class ChatCommandTests : IAsyncLifetime
{
    private GatewayServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await GatewayServer.StartAsync();
        _server.Scheduler.Script = Echo;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Answers "You said &lt;last user message&gt;" in three chunks; fails a turn that says "boom".</summary>
    private static IReadOnlyList<ReplyMessage> Echo(InferenceRequest r)
    {
        string last = ((ChatPrompt)r.Prompt).Messages[^1].Content;
        return last == "boom"
            ? [ScriptedReplies.Fail(r, FailureCodes.InvalidRequest, "prompt too long")]
            : ScriptedReplies.Text(r, FinishReason.Stop, "You", " said ", last);
    }

    private static async Task<(int Exit, string Out, string Err)> ChatAsync(string input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await ChatCommand.RunAsync(args, new StringReader(input), output, error, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Replies_stream_and_the_conversation_is_kept_until_exit()
    {
        (int exit, string output, string error) = await ChatAsync("Hi\nHow are you?\n/exit\nnot read\n",
            "--url", _server.Address.ToString(), "--system", "Be kind.", "--temperature", "0.2", "--max-tokens", "9");

        Assert.Equal(0, exit);
        Assert.Equal("> You said Hi\n> You said How are you?\n> \n", output.ReplaceLineEndings("\n"));
        Assert.Contains($"[chatting with tiny at {_server.Address}v1/;", error);
        Assert.Equal(2, error.Split("[stop, 5 prompt + 3 completion tokens]").Length - 1);
        Assert.Equal(2, _server.Scheduler.Requests.Count);
        InferenceRequest second = _server.Scheduler.Requests.Last();
        Assert.Equal(
            [new("system", "Be kind."), new("user", "Hi"), new("assistant", "You said Hi"), new("user", "How are you?")],
            ((ChatPrompt)second.Prompt).Messages);
        Assert.Equal((0.2f, 9, true), (second.Sampling.Temperature, second.Sampling.MaxTokens, second.Stream));
    }

    [Fact]
    public async Task End_of_input_ends_the_chat_and_blank_lines_are_skipped()
    {
        (int exit, string output, _) = await ChatAsync("\n  \nHi", "--url", _server.Address.ToString(), "--model", "other");

        Assert.Equal(0, exit);
        Assert.Equal("> > > You said Hi\n> \n", output.ReplaceLineEndings("\n"));
        Assert.Equal("other", _server.Scheduler.Requests.Single().Model);
    }

    [Fact]
    public async Task An_error_answer_is_reported_and_that_turn_left_out_of_the_history()
    {
        (int exit, string output, string error) = await ChatAsync("boom\nHi\n", "--url", _server.Address.ToString());

        Assert.Equal(0, exit);
        Assert.Equal("> \n> You said Hi\n> \n", output.ReplaceLineEndings("\n"));
        Assert.Contains("mesh: The Mesh gateway answered HTTP 400 invalid_request_error/invalid_request: prompt too long", error);
        Assert.Equal([new("user", "Hi")], ((ChatPrompt)_server.Scheduler.Requests.Last().Prompt).Messages);
    }

    [Fact]
    public async Task An_unreachable_gateway_fails_at_once()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        (int exit, string output, string error) = await ChatAsync("Hi\n", "--url", $"http://127.0.0.1:{port}");

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.StartsWith($"mesh: Cannot reach the Mesh gateway at http://127.0.0.1:{port}/v1/", error);
    }

    [Fact]
    public async Task An_unknown_model_fails_at_once_with_the_gateway_error()
    {
        (int exit, string output, string error) = await ChatAsync("Hi\n", "--url", _server.Address.ToString(), "--model", "gpt-9");

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains("HTTP 404 invalid_request_error/model_not_found", error);
        Assert.Equal(0, _server.Scheduler.Requests.Count);
    }

    [Fact]
    public async Task The_key_is_sent_and_a_rejected_key_fails_at_once()
    {
        await using GatewayServer keyed = await GatewayServer.StartAsync("sk-chat");

        (int rejected, _, string error) = await ChatAsync("Hi\n", "--url", keyed.Address.ToString(), "--api-key", "sk-other");
        (int accepted, string output, _) = await ChatAsync("Hi\n", "--url", keyed.Address.ToString(), "--api-key", "sk-chat");

        Assert.Equal(1, rejected);
        Assert.Contains("HTTP 401 invalid_request_error/invalid_api_key", error);
        Assert.Equal(0, accepted);
        Assert.Equal("> Hello\n> \n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Command_line_mistakes_are_usage_errors()
    {
        await Assert.ThrowsAsync<UsageException>(() => ChatAsync("", "--model", "tiny"));
        await Assert.ThrowsAsync<UsageException>(() => ChatAsync("", "--url", "localhost:5100"));
        await Assert.ThrowsAsync<UsageException>(() => ChatAsync("", "--url", _server.Address.ToString(), "--temprature", "1"));
        await Assert.ThrowsAsync<UsageException>(() => ChatAsync("", "--url", _server.Address.ToString(), "--max-tokens", "many"));
        Assert.Equal(2, Cli.Cli.Run(["chat"]));
    }
}
