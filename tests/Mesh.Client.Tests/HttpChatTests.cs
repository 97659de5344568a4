using Mesh.Contracts;

namespace Mesh.Client.Tests;

/// <summary><see cref="MeshHttpClient"/> chat completions against the real gateway.</summary>
public sealed class HttpChatTests : IAsyncLifetime
{
    private GatewayServer _server = null!;
    private MeshHttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await GatewayServer.StartAsync();
        _client = new MeshHttpClient(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static ChatCompletionRequest Hi(string model = "tiny") => new() { Model = model, Messages = [ChatTurn.User("Hi")] };

    [Fact]
    public async Task A_chat_answer_carries_text_usage_and_finish_reason()
    {
        ChatCompletion answer = await _client.CompleteChatAsync(Hi());

        Assert.StartsWith("chatcmpl-", answer.Id);
        Assert.Equal("chat.completion", answer.Object);
        Assert.Equal("tiny", answer.Model);
        ChatCompletionChoice choice = Assert.Single(answer.Choices);
        Assert.Equal(new ChatTurn("assistant", "Hello"), choice.Message);
        Assert.Equal("stop", choice.FinishReason);
        Assert.Equal("Hello", answer.Text);
        Assert.Equal(new TokenUsage(5, 2, 7, new PromptTokensDetails(2)), answer.Usage);
        Assert.Equal(2, answer.Usage!.CachedTokens);
        Assert.Equal(answer.Id, _server.Scheduler.Requests.Single().Envelope.RequestId.Value);
    }

    [Fact]
    public async Task Every_request_field_reaches_the_mesh()
    {
        var request = new ChatCompletionRequest
        {
            Model = "other",
            Messages = [ChatTurn.System("Be brief."), ChatTurn.User("Hi"), ChatTurn.Assistant("Hello"), ChatTurn.User("Again")],
            MaxTokens = 7,
            Temperature = 0.5f,
            TopP = 0.9f,
            TopK = 40,
            MinP = 0.1f,
            RepetitionPenalty = 1.1f,
            PresencePenalty = 0.3f,
            FrequencyPenalty = 0.2f,
            Seed = 42,
            Stop = ["END", "STOP"],
            N = 2,
            IgnoreEos = true,
            Priority = Priority.Offline,
            Logprobs = true,
            TopLogprobs = 3,
            User = "someone",
        };

        ChatCompletion answer = await _client.CompleteChatAsync(request);

        InferenceRequest sent = _server.Scheduler.Requests.Single();
        Assert.Equal("other", sent.Model);
        Assert.Equal(
            [new("system", "Be brief."), new("user", "Hi"), new("assistant", "Hello"), new("user", "Again")],
            Assert.IsType<ChatPrompt>(sent.Prompt).Messages);
        SamplingParameters s = sent.Sampling;
        Assert.Equal((7, 0.5f, 0.9f, 40, 0.1f, 1.1f, 0.3f, 0.2f, 42L), (s.MaxTokens, s.Temperature, s.TopP, s.TopK, s.MinP, s.RepetitionPenalty, s.PresencePenalty, s.FrequencyPenalty, s.Seed!.Value));
        Assert.Equal(["END", "STOP"], s.Stop);
        Assert.Equal((2, true, true, 3), (s.N, s.IgnoreEos, s.Logprobs, s.TopLogprobs));
        Assert.Equal(Priority.Offline, sent.Envelope.Priority);
        Assert.False(sent.Stream);
        Assert.Equal(["0:Hel0:lo", "1:Hel1:lo"], answer.Choices.Select(c => c.Message.Content));
        Assert.Equal([0, 1], answer.Choices.Select(c => c.Index));
        Assert.Equal(new TokenUsage(5, 4, 9, new PromptTokensDetails(2)), answer.Usage);
    }

    [Fact]
    public async Task Unset_fields_are_left_to_the_gateway_defaults()
    {
        await _client.CompleteChatAsync(Hi());

        SamplingParameters s = _server.Scheduler.Requests.Single().Sampling;
        Assert.Equal(new SamplingParameters(MaxTokens: 100), s with { Stop = [], StopTokenIds = [] });
        Assert.Equal(Priority.Online, _server.Scheduler.Requests.Single().Envelope.Priority);
    }

    [Fact]
    public async Task A_choice_cut_by_max_tokens_finishes_with_length()
    {
        _server.Scheduler.Script = r => ScriptedReplies.Text(r, FinishReason.Length, "a", "b", "c");

        ChatCompletion answer = await _client.CompleteChatAsync(Hi() with { MaxTokens = 3 });

        Assert.Equal("abc", answer.Text);
        Assert.Equal("length", answer.Choices[0].FinishReason);
    }

    [Fact]
    public async Task Logprobs_come_back_per_token()
    {
        _server.Scheduler.Script = r =>
        [
            ScriptedReplies.Chunk(r, 0, 0, "A", [7], logprobs: [new SampledToken(7, -0.5f, [new TopLogprob(7, -0.5f), new TopLogprob(9, -1.5f)])]),
            ScriptedReplies.Chunk(r, 0, 1, "B", [8], FinishReason.Stop, logprobs: [new SampledToken(8, -0.25f, [new TopLogprob(8, -0.25f), new TopLogprob(3, -2f)])]),
            ScriptedReplies.Done(r, 0, FinishReason.Stop, 4, 2),
        ];

        ChatCompletion answer = await _client.CompleteChatAsync(Hi() with { Logprobs = true, TopLogprobs = 2 });

        IReadOnlyList<TokenLogprob> tokens = answer.Choices[0].Logprobs!.Content;
        Assert.Equal(["token_id:7", "token_id:8"], tokens.Select(t => t.Token));
        Assert.Equal([-0.5f, -0.25f], tokens.Select(t => t.Logprob));
        Assert.Equal(["token_id:7", "token_id:9"], tokens[0].TopLogprobs!.Select(t => t.Token));
        Assert.Equal(-2f, tokens[1].TopLogprobs![1].Logprob);
    }

    [Fact]
    public async Task A_stream_yields_role_then_deltas_in_order_then_the_finish_reason()
    {
        _server.Scheduler.Script = r => ScriptedReplies.Text(r, FinishReason.Stop, "Hel", "lo", ", ", "world");

        List<ChatCompletionUpdate> updates = [];
        await foreach (ChatCompletionUpdate update in _client.StreamChatAsync(Hi())) updates.Add(update);

        Assert.True(_server.Scheduler.Requests.Single().Stream);
        Assert.All(updates, u => Assert.Equal("chat.completion.chunk", u.Object));
        Assert.Single(updates.Select(u => u.Id).Distinct());
        Assert.Equal("assistant", updates[0].Choices[0].Delta.Role);
        Assert.Equal(["", "Hel", "lo", ", ", "world", ""], updates.Select(u => u.ContentDelta));
        Assert.Equal([null, null, null, null, null, "stop"], updates.Select(u => u.Choices[0].FinishReason));
        Assert.All(updates, u => Assert.Null(u.Usage));
    }

    [Fact]
    public async Task A_stream_that_asks_for_usage_ends_with_a_usage_event()
    {
        List<ChatCompletionUpdate> updates = [];
        await foreach (ChatCompletionUpdate update in _client.StreamChatAsync(Hi() with { IncludeUsageInStream = true })) updates.Add(update);

        ChatCompletionUpdate last = updates[^1];
        Assert.Empty(last.Choices);
        Assert.Equal(new TokenUsage(5, 2, 7, new PromptTokensDetails(2)), last.Usage);
        Assert.Equal("Hello", string.Concat(updates.Select(u => u.ContentDelta)));
    }

    [Fact]
    public async Task A_failure_after_the_stream_began_surfaces_as_an_error_event()
    {
        _server.Scheduler.Script = r => [ScriptedReplies.Chunk(r, 0, 0, "Hel"), ScriptedReplies.Fail(r, FailureCodes.WorkerLost, "decode worker gpu-3 stopped")];

        List<string> seen = [];
        var error = await Assert.ThrowsAsync<MeshApiException>(async () =>
        {
            await foreach (ChatCompletionUpdate update in _client.StreamChatAsync(Hi())) seen.Add(update.ContentDelta);
        });

        Assert.Equal(["", "Hel"], seen);
        Assert.Null(error.StatusCode);
        Assert.Equal(("server_error", "worker_lost"), (error.ErrorType, error.Code));
        Assert.Equal("decode worker gpu-3 stopped", error.ErrorMessage);
        Assert.Contains("worker_lost", error.Message);
    }
}
