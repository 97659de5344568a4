using Mesh.Contracts;
using Mesh.Engine.Scheduling;
using Mesh.Host;
using Mesh.IntegrationTests.Support;
using Mesh.KvCache;
using Mesh.Workers.Engine;
using FinishReason = Mesh.Contracts.FinishReason;

namespace Mesh.IntegrationTests;

/// <summary>
/// Colocated mode, the baseline: one worker prefills and decodes in one engine; the prompt's KV stays in that engine
/// (no KV store traffic) and the tokens are those of a plain engine run.
/// </summary>
public sealed class ColocatedTests(TinyModel model) : IClassFixture<TinyModel>, IAsyncLifetime
{
    private Harness _mesh = null!;

    public async Task InitializeAsync() => _mesh = await Harness.StartAsync(model.Path, new EmbeddedOptions { Colocated = true });

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Theory]
    [InlineData(37, 24)]
    [InlineData(48, 9)]
    [InlineData(5, 1)]
    public async Task A_bus_request_gives_the_tokens_of_a_plain_engine_run_without_touching_the_kv_store(int promptLength, int maxTokens)
    {
        int[] prompt = TinyModel.Prompt(seed: promptLength, count: promptLength);
        var sampling = new SamplingParameters(MaxTokens: maxTokens, Temperature: 0.8f, TopK: 40, Seed: 7, IgnoreEos: true);
        GenerationResult expected = model.Reference(prompt, SamplingMapper.ToEngine(sampling));
        KvTierStats before = await _mesh.RamStatsAsync();

        RequestReplies replies = await _mesh.RunAsync(Harness.Request(new TokenPrompt(prompt), sampling));

        Completed completed = Assert.IsType<Completed>(await replies.End);
        Assert.Equal(expected.Ids, replies.TokenIds);
        Assert.Equal(expected.Text, replies.Text);
        Assert.Equal(new Usage(promptLength, maxTokens, 0), completed.Usage);
        KvTierStats after = await _mesh.RamStatsAsync();
        Assert.Equal(0, after.Puts - before.Puts);
        Assert.Equal(0, after.Hits - before.Hits);
    }

    [Fact]
    public async Task Several_requests_at_once_batch_in_one_engine_and_each_gets_its_own_tokens()
    {
        var sampling = new SamplingParameters(MaxTokens: 16, Temperature: 1f, Seed: 11, IgnoreEos: true);
        int[][] prompts = [.. Enumerable.Range(0, 4).Select(i => TinyModel.Prompt(seed: 100 + i, count: 20 + 7 * i))];

        RequestReplies[] replies = await Task.WhenAll(prompts.Select(p => _mesh.RunAsync(Harness.Request(new TokenPrompt(p), sampling))));

        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.IsType<Completed>(await replies[i].End);
            Assert.Equal(model.Reference(prompts[i], SamplingMapper.ToEngine(sampling)).Ids, replies[i].TokenIds);
        }
    }
}
