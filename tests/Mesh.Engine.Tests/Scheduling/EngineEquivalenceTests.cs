using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tests.Support;

namespace Mesh.Engine.Tests.Scheduling;

/// <summary>How work is batched must never change what is generated: batched vs one at a time,
/// chunked vs whole prefill, prefix-cache hit vs cold, SIMD vs scalar reference kernels.</summary>
public sealed class EngineEquivalenceTests(TestModels models) : IClassFixture<TestModels>
{
    private static readonly int[][] Prompts =
    [
        [1, 17, 99, 204, 5, 31, 77, 300, 12, 8, 150, 151, 152, 9, 44, 45, 46, 47, 48, 49, 50],
        [1, 400, 401],
        [1, 17, 99, 204, 5, 31, 77, 300, 12, 8, 150, 151, 152, 9, 44, 45, 46, 47, 48, 49, 50, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72],
        [1, 250],
    ];

    private static SamplingParams Sampled(int i) => new() { Temperature = 0.9f, TopP = 0.95f, Seed = (ulong)(1000 + i), MaxTokens = 24, IgnoreEos = true };

    private Dictionary<long, List<int>> RunAll(EngineOptions options, IEnumerable<(int[] Prompt, SamplingParams P)> work, out InferenceEngine engineOut)
    {
        var model = ModelLoader.Load(models.Tiny);
        var engine = new InferenceEngine(model, options);
        var ids = new Dictionary<long, List<int>>();
        foreach (var (prompt, p) in work) ids[engine.Add(prompt, p)] = [];
        while (engine.HasWork)
            foreach (var o in engine.Step())
                if (o.Token >= 0) ids[o.SequenceId].Add(o.Token);
        engineOut = engine;
        return ids;
    }

    private List<int>[] OneAtATime(EngineOptions options, bool sampled)
    {
        var results = new List<int>[Prompts.Length];
        for (int i = 0; i < Prompts.Length; i++)
        {
            var r = RunAll(options with { MaxSequences = 1 }, [(Prompts[i], sampled ? Sampled(i) : SamplingParams.Greedy(24) with { IgnoreEos = true })], out var e);
            e.Dispose();
            results[i] = r.Values.Single();
        }
        return results;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Batched_equals_one_at_a_time(bool sampled)
    {
        var options = new EngineOptions { Threads = 2, PrefixCaching = false };
        var single = OneAtATime(options, sampled);
        var batched = RunAll(options with { MaxSequences = 4 },
            Prompts.Select((p, i) => (p, sampled ? Sampled(i) : SamplingParams.Greedy(24) with { IgnoreEos = true })), out var e);
        e.Dispose();
        Assert.Equal(single, batched.OrderBy(kv => kv.Key).Select(kv => kv.Value));
        Assert.All(single, s => Assert.Equal(24, s.Count));
    }

    [Fact]
    public void Chunked_prefill_equals_whole_prefill()
    {
        var whole = OneAtATime(new EngineOptions { Threads = 2, PrefixCaching = false, MaxBatchTokens = 256 }, sampled: true);
        var chunked = OneAtATime(new EngineOptions { Threads = 2, PrefixCaching = false, MaxBatchTokens = 5, BlockSize = 4 }, sampled: true);
        Assert.Equal(whole, chunked);
    }

    [Fact]
    public void Prefix_cache_hit_equals_cold_and_skips_the_shared_blocks()
    {
        var cold = OneAtATime(new EngineOptions { Threads = 2, PrefixCaching = false, BlockSize = 4 }, sampled: true);
        var model = ModelLoader.Load(models.Tiny);
        using var engine = new InferenceEngine(model, new EngineOptions { Threads = 2, BlockSize = 4, MaxSequences = 1 });
        var first = Generation.Run(engine, Prompts[0], Sampled(0));
        long prefillBefore = engine.PrefillTokensComputed;
        var second = Generation.Run(engine, Prompts[2], Sampled(2));   // shares Prompts[0] as a prefix
        Assert.Equal(cold[0], first.Ids);
        Assert.Equal(cold[2], second.Ids);
        Assert.Equal(20, second.CachedTokens);                          // 5 full blocks of 4 from the 21-token prefix
        Assert.Equal(Prompts[2].Length - 20, engine.PrefillTokensComputed - prefillBefore);
        Assert.True(engine.Pool.PrefixHitBlocks >= 5);
    }

    [Fact]
    public void Simd_kernels_generate_what_the_scalar_reference_generates()
    {
        var reference = OneAtATime(new EngineOptions { Threads = 1, ReferenceKernels = true, PrefixCaching = false }, sampled: false);
        var simd = OneAtATime(new EngineOptions { Threads = 2, PrefixCaching = false }, sampled: false);
        Assert.Equal(reference, simd);
    }

    [Fact]
    public void A_fixed_seed_gives_the_same_tokens_every_run_and_another_seed_does_not()
    {
        var a = OneAtATime(new EngineOptions { Threads = 2 }, sampled: true);
        var b = OneAtATime(new EngineOptions { Threads = 1 }, sampled: true);
        Assert.Equal(a, b);
        var model = ModelLoader.Load(models.Tiny);
        using var engine = new InferenceEngine(model, new EngineOptions { Threads = 2 });
        var other = Generation.Run(engine, Prompts[0], Sampled(0) with { Seed = 5 });
        Assert.NotEqual(a[0], other.Ids);
    }
}
