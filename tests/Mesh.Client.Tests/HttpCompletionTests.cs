using Mesh.Contracts;

namespace Mesh.Client.Tests;

/// <summary><see cref="MeshHttpClient"/> text completions and models against the real gateway.</summary>
public sealed class HttpCompletionTests : IAsyncLifetime
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

    [Fact]
    public async Task A_text_prompt_completes()
    {
        _server.Scheduler.Script = r => ScriptedReplies.Text(r, FinishReason.Length, " upon", " a", " time");

        TextCompletion answer = await _client.CompleteAsync(new TextCompletionRequest { Model = "tiny", Prompt = "Once", MaxTokens = 3 });

        Assert.StartsWith("cmpl-", answer.Id);
        Assert.Equal("text_completion", answer.Object);
        Assert.Equal(" upon a time", answer.Text);
        Assert.Equal("length", answer.Choices[0].FinishReason);
        Assert.Equal(new TokenUsage(5, 3, 8, new PromptTokensDetails(2)), answer.Usage);
        InferenceRequest sent = _server.Scheduler.Requests.Single();
        Assert.Equal("Once", Assert.IsType<TextPrompt>(sent.Prompt).Text);
        Assert.Equal(3, sent.Sampling.MaxTokens);
    }

    [Fact]
    public async Task A_token_id_prompt_travels_as_ids()
    {
        await _client.CompleteAsync(new TextCompletionRequest { Model = "tiny", Prompt = new[] { 1, 15043, 29991 } });

        Assert.Equal([1, 15043, 29991], Assert.IsType<TokenPrompt>(_server.Scheduler.Requests.Single().Prompt).TokenIds);
    }

    [Fact]
    public async Task Completion_logprobs_are_parallel_arrays()
    {
        _server.Scheduler.Script = r =>
        [
            ScriptedReplies.Chunk(r, 0, 0, "x", [5], logprobs: [new SampledToken(5, -0.5f, [new TopLogprob(5, -0.5f)])]),
            ScriptedReplies.Chunk(r, 0, 1, "yz", [6], FinishReason.Stop, logprobs: [new SampledToken(6, -1f, [new TopLogprob(6, -1f)])]),
            ScriptedReplies.Done(r, 0, FinishReason.Stop, 2, 2),
        ];

        TextCompletion answer = await _client.CompleteAsync(new TextCompletionRequest { Model = "tiny", Prompt = "p", Logprobs = 1 });

        TextLogprobs logprobs = answer.Choices[0].Logprobs!;
        Assert.Equal(["token_id:5", "token_id:6"], logprobs.Tokens);
        Assert.Equal([-0.5f, -1f], logprobs.TokenLogprobs);
        Assert.Equal([0, 1], logprobs.TextOffset);
        Assert.Equal(-1f, logprobs.TopLogprobs![1]["token_id:6"]);
    }

    [Fact]
    public async Task A_completion_streams_its_pieces()
    {
        _server.Scheduler.Script = r => ScriptedReplies.Text(r, FinishReason.Stop, "a", "b", "c");

        List<TextCompletion> events = [];
        await foreach (TextCompletion e in _client.StreamCompletionAsync(new TextCompletionRequest { Model = "tiny", Prompt = "p", IncludeUsageInStream = true }))
            events.Add(e);

        Assert.Equal(["a", "b", "c", ""], events.Where(e => e.Choices.Count > 0).Select(e => e.Text));
        Assert.Equal("stop", events[^2].Choices[0].FinishReason);
        Assert.Equal(new TokenUsage(5, 3, 8, new PromptTokensDetails(2)), events[^1].Usage);
        Assert.True(_server.Scheduler.Requests.Single().Stream);
    }

    [Fact]
    public async Task Models_are_listed_and_looked_up()
    {
        IReadOnlyList<ModelInfo> models = await _client.ListModelsAsync();
        ModelInfo other = await _client.GetModelAsync("other");

        Assert.Equal(["tiny", "other"], models.Select(m => m.Id));
        Assert.All(models, m => Assert.Equal(("model", "mesh"), (m.Object, m.OwnedBy)));
        Assert.Equal("other", other.Id);
    }

    [Fact]
    public async Task The_address_may_end_in_v1_and_may_come_as_an_HttpClient()
    {
        using var withV1 = new MeshHttpClient(new Uri(_server.Address, "/v1"));
        using var http = new HttpClient { BaseAddress = _server.Address };
        using var overHttp = new MeshHttpClient(http);

        Assert.Equal(new Uri(_server.Address, "/v1/"), withV1.Endpoint);
        Assert.Equal(withV1.Endpoint, overHttp.Endpoint);
        Assert.Equal(2, (await overHttp.ListModelsAsync()).Count);
        Assert.Equal(2, (await withV1.ListModelsAsync()).Count);
        Assert.Throws<ArgumentException>(() => new MeshHttpClient(new HttpClient()));
        Assert.Throws<ArgumentException>(() => new MeshHttpClient(new Uri("ftp://host/")));
    }
}
