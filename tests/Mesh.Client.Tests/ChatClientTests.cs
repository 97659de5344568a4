using System.Net;
using Mesh.Contracts;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Mesh.Client.Tests;

/// <summary><see cref="MeshChatClient"/> as an <see cref="IChatClient"/> against the real gateway.</summary>
public sealed class ChatClientTests : IAsyncLifetime
{
    private GatewayServer _server = null!;
    private MeshChatClient _chat = null!;

    public async Task InitializeAsync()
    {
        _server = await GatewayServer.StartAsync();
        _chat = new MeshChatClient(_server.Address, defaultModel: "tiny");
    }

    public async Task DisposeAsync()
    {
        _chat.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_response_carries_text_model_finish_reason_and_usage()
    {
        ChatResponse response = await _chat.GetResponseAsync("Hi");

        Assert.Equal("Hello", response.Text);
        AiChatMessage message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.StartsWith("chatcmpl-", response.ResponseId);
        Assert.Equal("tiny", response.ModelId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.NotNull(response.CreatedAt);
        UsageDetails usage = response.Usage!;
        Assert.Equal((5L, 2L, 7L, 2L), (usage.InputTokenCount, usage.OutputTokenCount, usage.TotalTokenCount, usage.CachedInputTokenCount));
        Assert.IsType<ChatCompletion>(response.RawRepresentation);
    }

    [Fact]
    public async Task Options_map_onto_the_request_fields()
    {
        var options = new ChatOptions
        {
            ModelId = "other",
            Instructions = "Answer in one word.",
            Temperature = 0.25f,
            TopP = 0.8f,
            TopK = 12,
            MaxOutputTokens = 33,
            Seed = 1234,
            StopSequences = ["\n\n"],
            FrequencyPenalty = 0.5f,
            PresencePenalty = -0.5f,
            AdditionalProperties = new() { ["min_p"] = 0.05, ["repetition_penalty"] = 1.2f, ["ignore_eos"] = true, ["priority"] = "offline" },
        };
        AiChatMessage[] history = [new(ChatRole.System, "You are terse."), new(ChatRole.User, "Hi"), new(ChatRole.Assistant, "Hello"), new(ChatRole.User, "Bye")];

        ChatResponse response = await _chat.GetResponseAsync(history, options);

        InferenceRequest sent = _server.Scheduler.Requests.Single();
        Assert.Equal("other", sent.Model);
        Assert.Equal("other", response.ModelId);
        Assert.Equal(
            [new("system", "Answer in one word."), new("system", "You are terse."), new("user", "Hi"), new("assistant", "Hello"), new("user", "Bye")],
            Assert.IsType<ChatPrompt>(sent.Prompt).Messages);
        SamplingParameters s = sent.Sampling;
        Assert.Equal((0.25f, 0.8f, 12, 33, 1234L, 0.5f, -0.5f), (s.Temperature, s.TopP, s.TopK, s.MaxTokens, s.Seed!.Value, s.FrequencyPenalty, s.PresencePenalty));
        Assert.Equal(["\n\n"], s.Stop);
        Assert.Equal((0.05f, 1.2f, true), (s.MinP, s.RepetitionPenalty, s.IgnoreEos));
        Assert.Equal(Priority.Offline, sent.Envelope.Priority);
    }

    [Fact]
    public async Task A_raw_request_from_the_options_is_the_starting_point()
    {
        var options = new ChatOptions
        {
            RawRepresentationFactory = _ => new ChatCompletionRequest { Model = "other", Messages = [], MinP = 0.2f, Seed = 7 },
            Seed = 8,
        };

        await _chat.GetResponseAsync("Hi", options);

        InferenceRequest sent = _server.Scheduler.Requests.Single();
        Assert.Equal(("other", 0.2f, 8L), (sent.Model, sent.Sampling.MinP, sent.Sampling.Seed!.Value));
        Assert.Equal([new("user", "Hi")], Assert.IsType<ChatPrompt>(sent.Prompt).Messages);
    }

    [Fact]
    public async Task A_streamed_response_folds_into_text_finish_reason_and_usage()
    {
        _server.Scheduler.Script = r => ScriptedReplies.Text(r, FinishReason.Length, "one", " two", " three");

        List<ChatResponseUpdate> updates = [];
        await foreach (ChatResponseUpdate update in _chat.GetStreamingResponseAsync("Count")) updates.Add(update);
        ChatResponse folded = updates.ToChatResponse();

        Assert.Equal(["", "one", " two", " three", "", ""], updates.Select(u => u.Text));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        Assert.Equal("one two three", folded.Text);
        Assert.Equal(ChatFinishReason.Length, folded.FinishReason);
        Assert.Equal((5L, 3L, 8L, 2L), (folded.Usage!.InputTokenCount, folded.Usage.OutputTokenCount, folded.Usage.TotalTokenCount, folded.Usage.CachedInputTokenCount));
        Assert.Equal("tiny", folded.ModelId);
        Assert.True(_server.Scheduler.Requests.Single().Stream);
    }

    [Fact]
    public async Task A_cancelled_choice_finishes_with_abort()
    {
        _server.Scheduler.Script = r => ScriptedReplies.Text(r, FinishReason.Cancelled, "x");

        ChatResponse response = await _chat.GetResponseAsync("Hi");

        Assert.Equal(new ChatFinishReason("abort"), response.FinishReason);
    }

    [Fact]
    public async Task Gateway_errors_surface_as_MeshApiException()
    {
        var error = await Assert.ThrowsAsync<MeshApiException>(() => _chat.GetResponseAsync("Hi", new ChatOptions { ModelId = "nope" }));
        var streamed = await Assert.ThrowsAsync<MeshApiException>(async () =>
        {
            await foreach (ChatResponseUpdate _ in _chat.GetStreamingResponseAsync("Hi", new ChatOptions { Temperature = -1 })) { }
        });

        Assert.Equal((HttpStatusCode.NotFound, "model_not_found"), (error.StatusCode, error.Code));
        Assert.Equal((HttpStatusCode.BadRequest, "temperature"), (streamed.StatusCode, streamed.Param));
    }

    [Fact]
    public async Task What_Mesh_cannot_honour_is_refused_before_sending()
    {
        using var noDefault = new MeshChatClient(new MeshHttpClient(_server.Address));
        AITool tool = AIFunctionFactory.Create(() => 42, "answer");

        await Assert.ThrowsAsync<NotSupportedException>(() => _chat.GetResponseAsync("Hi", new ChatOptions { Tools = [tool] }));
        await Assert.ThrowsAsync<NotSupportedException>(() => _chat.GetResponseAsync("Hi", new ChatOptions { ResponseFormat = ChatResponseFormat.Json }));
        await Assert.ThrowsAsync<NotSupportedException>(() => _chat.GetResponseAsync("Hi", new ChatOptions { ConversationId = "c1" }));
        var image = await Assert.ThrowsAsync<NotSupportedException>(() => _chat.GetResponseAsync(
            [new AiChatMessage(ChatRole.User, [new TextContent("What is this?"), new DataContent(new byte[] { 1, 2 }, "image/png")])]));
        var model = await Assert.ThrowsAsync<InvalidOperationException>(() => noDefault.GetResponseAsync("Hi"));

        Assert.Contains("DataContent", image.Message);
        Assert.Contains("ModelId", model.Message);
        Assert.Equal(0, _server.Scheduler.Requests.Count);
    }

    [Fact]
    public void GetService_offers_metadata_the_http_client_and_itself()
    {
        using var http = new MeshHttpClient(_server.Address);
        using var chat = new MeshChatClient(http, "tiny");

        var metadata = (ChatClientMetadata)chat.GetService(typeof(ChatClientMetadata))!;

        Assert.Equal(("mesh", http.Endpoint, "tiny"), (metadata.ProviderName, metadata.ProviderUri, metadata.DefaultModelId));
        Assert.Same(http, chat.GetService<MeshHttpClient>());
        Assert.Same(chat, chat.GetService<IChatClient>());
        Assert.Null(chat.GetService(typeof(IChatClient), serviceKey: "other"));
        Assert.Null(chat.GetService(typeof(string)));
    }
}
