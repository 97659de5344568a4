using Mesh.Contracts;
using Mesh.Host;
using Mesh.IntegrationTests.Support;
using Mesh.KvCache;
using Mesh.Workers.Engine;

namespace Mesh.IntegrationTests;

/// <summary>
/// Two prefill workers share prefixes through the KV store: a prompt prefilled on one worker is a prefix hit on the
/// other, which imports the cached blocks instead of computing them.
/// </summary>
public sealed class KvCacheSharingTests(TinyModel model) : IClassFixture<TinyModel>, IAsyncLifetime
{
    private Harness _mesh = null!;

    public async Task InitializeAsync() => _mesh = await Harness.StartAsync(model.Path, new EmbeddedOptions { PrefillWorkers = 2 });

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task A_prefix_prefilled_on_one_worker_is_read_from_the_kv_store_by_another()
    {
        int[] first = TinyModel.Prompt(seed: 20, count: 64);
        int[] second = [.. first[..48], .. TinyModel.Prompt(seed: 21, count: 11)[1..]];
        var sampling = new SamplingParameters(MaxTokens: 1, Temperature: 0f, Seed: 1);
        PrefillDone a = await PrefillOnAsync("prefill-0", first, sampling);
        (long before, _) = await _mesh.ComputedAsync("prefill-1");
        KvTierStats ramBefore = await _mesh.RamStatsAsync();

        PrefillDone b = await PrefillOnAsync("prefill-1", second, sampling);

        (long after, _) = await _mesh.ComputedAsync("prefill-1");
        KvTierStats ramAfter = await _mesh.RamStatsAsync();
        Assert.Equal(0, a.CachedTokenCount);
        Assert.Equal(48, b.CachedTokenCount);
        Assert.Equal(58 - 48, after - before);
        Assert.True(ramAfter.Hits - ramBefore.Hits >= 3, "prefill-1 read the 3 cached blocks from the KV store");
        Assert.Equal(a.Kv.Blocks[..3], b.Kv.Blocks[..3]);
        // Only the blocks the store lacked were written: one partial block and the manifest.
        Assert.Equal(2, ramAfter.Puts - ramBefore.Puts);
        Assert.Equal(model.Reference(second, SamplingMapper.ToEngine(sampling)).Ids, new[] { b.FirstToken.TokenId });
    }

    /// <summary>A prefill published straight to one worker's topic, behind the scheduler.</summary>
    private async Task<PrefillDone> PrefillOnAsync(string worker, int[] prompt, SamplingParameters sampling)
    {
        InferenceRequest request = Harness.Request(new TokenPrompt(prompt), sampling);
        await _mesh.Bus.PublishAsync(Topics.ForWorker(Topics.Prefill, new WorkerId(worker)),
            new PrefillTask(request.Envelope, TinyModel.Name, prompt, sampling));
        return await StageObserver.WaitForAsync(_mesh.Stages.PrefillDone, request.Envelope.RequestId, TimeSpan.FromSeconds(30));
    }
}
