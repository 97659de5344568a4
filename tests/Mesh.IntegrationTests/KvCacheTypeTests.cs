using Mesh.Contracts;
using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Host;
using Mesh.IntegrationTests.Support;
using Mesh.Kernels;
using Mesh.Workers.Engine;
using Mesh.Workers.Hosting;
using Microsoft.Extensions.Configuration;

namespace Mesh.IntegrationTests;

/// <summary>
/// Workers with <c>Mesh:Worker:KvCacheType=F16</c>: the KV goes from the prefill engine through the KV store (and the
/// decode's checkpoints) into the decode engine as F16 blocks, and the tokens are those of a plain F16 engine run. A
/// worker keeping F32 KV refuses an F16 reference as a layout mismatch; an unknown KV type is refused at startup.
/// </summary>
public sealed class KvCacheTypeTests(TinyModel model) : IClassFixture<TinyModel>, IAsyncLifetime
{
    private static readonly Dictionary<string, string?> F16 = new() { ["Mesh:Worker:KvCacheType"] = "F16" };

    private Harness _mesh = null!;

    public async Task InitializeAsync() => _mesh = await Harness.StartAsync(model.Path, new EmbeddedOptions(), settings: F16);

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private static SamplingParameters Seeded(int maxTokens) =>
        new(MaxTokens: maxTokens, Temperature: 0.9f, TopP: 0.95f, Seed: 42, IgnoreEos: true);

    /// <summary>What one F16 engine running the prompt to its end gives.</summary>
    private GenerationResult F16Reference(int[] prompt, SamplingParams sampling)
    {
        using LoadedModel loaded = ModelLoader.Load(model.Path);
        using var engine = new InferenceEngine(loaded, new EngineOptions
        {
            Threads = 1, BlockSize = Harness.BlockSize, KvBlocks = 256, KvCacheType = KvCacheType.F16,
        });
        return Generation.Run(engine, prompt, sampling);
    }

    [Fact]
    public async Task A_request_through_f16_workers_gives_the_tokens_of_a_plain_f16_engine_run()
    {
        // 40 prompt tokens and 40 generated span five blocks of 16: the decode checkpoints F16 blocks as it goes
        int[] prompt = TinyModel.Prompt(seed: 41, count: 40);
        SamplingParameters sampling = Seeded(40);
        GenerationResult expected = F16Reference(prompt, SamplingMapper.ToEngine(sampling));
        InferenceRequest request = Harness.Request(new TokenPrompt(prompt), sampling);

        RequestReplies replies = await _mesh.RunAsync(request);

        Assert.IsType<Completed>(await replies.End);
        Assert.Equal(expected.Ids, replies.TokenIds);
        Assert.Equal(expected.Text, replies.Text);
        PrefillDone done = await StageObserver.WaitForAsync(_mesh.Stages.PrefillDone, request.Envelope.RequestId, TimeSpan.FromSeconds(5));
        Assert.Equal(KvDType.F16, done.Kv.Layout.DType);
        // F16 blocks live under their own fingerprint in the KV cache, apart from the same tokens' F32 blocks
        Assert.EndsWith(":kv-f16", done.Kv.ModelFingerprint, StringComparison.Ordinal);
        Assert.DoesNotContain(_mesh.Stages.Failures, f => f.Envelope.RequestId == request.Envelope.RequestId);
    }

    [Fact]
    public async Task A_worker_keeping_f32_kv_refuses_an_f16_reference_as_a_layout_mismatch()
    {
        int[] prompt = TinyModel.Prompt(seed: 42, count: 30);
        SamplingParameters sampling = Seeded(5);
        MessageEnvelope e = Harness.Request(new TokenPrompt(prompt), sampling).Envelope;
        // Straight to the F16 prefill worker, behind the scheduler's back: a real F16 reference
        await _mesh.Bus.PublishAsync(Topics.ForWorker(Topics.Prefill, new WorkerId("prefill-0")), new PrefillTask(e, TinyModel.Name, prompt, sampling));
        PrefillDone done = await StageObserver.WaitForAsync(_mesh.Stages.PrefillDone, e.RequestId, TimeSpan.FromSeconds(30));

        await using Harness f32 = await Harness.StartAsync(model.Path, new EmbeddedOptions(),
            settings: new Dictionary<string, string?> { ["Mesh:Worker:KvCacheType"] = "F32" });
        var decode = new DecodeTask(e with { Attempt = 1 }, TinyModel.Name, done.Kv, done.FirstToken, 1, sampling, Harness.ReplyTopic,
            [], 0, done.PromptTokenCount, done.CachedTokenCount);
        await f32.Bus.PublishAsync(Topics.ForWorker(Topics.Decode, new WorkerId("decode-0")), decode);

        Failed refused = await StageObserver.WaitForAsync(f32.Stages.Failures, e.RequestId, TimeSpan.FromSeconds(30));
        Assert.Equal((FailureCodes.KvMismatch, true, new WorkerId("decode-0")), (refused.Code, refused.Retryable, refused.Worker));
        Assert.Contains("layout", refused.Message, StringComparison.Ordinal);
        Assert.Contains("F16", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_kv_cache_type_is_refused_naming_the_setting()
    {
        IConfiguration config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mesh:Worker:Model"] = model.Path, ["Mesh:Worker:KvCacheType"] = "Q4" })
            .Build();
        var bind = Assert.Throws<InvalidOperationException>(() => config.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>());
        Assert.Contains("Mesh:Worker:KvCacheType", bind.Message, StringComparison.Ordinal);

        var numeric = new WorkerOptions { Model = model.Path, KvCacheType = (KvCacheType)7 };
        var result = new WorkerOptionsValidator().Validate(null, numeric);
        Assert.True(result.Failed);
        Assert.Contains("Mesh:Worker:KvCacheType must be F32 or F16, was 7.", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new WorkerOptionsValidator().Validate(null, new WorkerOptions { Model = model.Path, KvCacheType = KvCacheType.F16 }).Succeeded);
    }
}
