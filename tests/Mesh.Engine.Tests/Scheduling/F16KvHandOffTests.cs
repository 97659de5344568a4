using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tests.Support;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Scheduling;

/// <summary>F16 KV blocks exported by one engine and resumed by another give exactly the tokens and text of an
/// uninterrupted F16 run; an engine refuses blocks of the other KV type.</summary>
public sealed class F16KvHandOffTests(TestModels models) : IClassFixture<TestModels>
{
    private static readonly int[] Prompt = [1, 17, 99, 204, 5, 31, 77, 300, 12, 8, 150, 151, 152, 9, 44, 45, 46, 47, 48];
    private static readonly SamplingParams Sampling = new() { Temperature = 0.9f, TopP = 0.95f, Seed = 77, MaxTokens = 20, IgnoreEos = true };

    private static InferenceEngine NewEngine(LoadedModel model, KvCacheType type) =>
        new(model, new EngineOptions { Threads = 2, BlockSize = 4, KvCacheType = type });

    /// <summary>The held KV of <paramref name="tokensBeforeHandOff"/> generated tokens, as the bytes a worker sends.</summary>
    private static (HeldSequence Held, List<ReadOnlyMemory<byte>> Blocks) Export(InferenceEngine engine, int tokensBeforeHandOff)
    {
        long id = engine.Add(Prompt, Sampling with { MaxTokens = tokensBeforeHandOff }, holdKv: true);
        while (engine.HasWork) engine.Step();
        var held = engine.Held(id)!;
        var blocks = held.Blocks.Select(b => (ReadOnlyMemory<byte>)engine.BlockData(b).ToArray()).ToList();
        engine.ReleaseHeld(id);
        return (held, blocks);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    public void F16_blocks_continued_elsewhere_equal_an_uninterrupted_f16_run(int tokensBeforeHandOff)
    {
        using var model = ModelLoader.Load(models.Tiny);
        using var straight = NewEngine(model, KvCacheType.F16);
        var expected = Generation.Run(straight, Prompt, Sampling);

        using var first = NewEngine(model, KvCacheType.F16);
        var (held, blocks) = Export(first, tokensBeforeHandOff);
        Assert.All(blocks, b => Assert.Equal(first.Pool.BlockBytes, b.Length));

        using var second = NewEngine(model, KvCacheType.F16);
        int emitted = tokensBeforeHandOff - 1;
        var (_, pending) = second.Resume(held.Tokens, Prompt.Length, held.KvTokens, blocks, Sampling, emittedTokens: emitted);
        var ids = held.Tokens[Prompt.Length..].ToList();
        var text = new System.Text.StringBuilder(string.Concat(expected.Steps.Take(emitted).Select(o => o.Text))).Append(pending);
        while (second.HasWork)
            foreach (var o in second.Step())
            {
                if (o.Token >= 0) ids.Add(o.Token);
                text.Append(o.Text);
            }
        Assert.Equal(expected.Ids, ids);
        Assert.Equal(expected.Text, text.ToString());
    }

    [Theory]
    [InlineData(KvCacheType.F16, KvCacheType.F32)]
    [InlineData(KvCacheType.F32, KvCacheType.F16)]
    public void An_engine_refuses_blocks_of_the_other_kv_type(KvCacheType exported, KvCacheType resuming)
    {
        using var model = ModelLoader.Load(models.Tiny);
        using var first = NewEngine(model, exported);
        var (held, blocks) = Export(first, 3);
        using var second = NewEngine(model, resuming);
        int free = second.Pool.FreeCount;
        var e = Assert.Throws<RequestRejectedException>(() => second.Resume(held.Tokens, Prompt.Length, held.KvTokens, blocks, Sampling, 0));
        Assert.Contains($"this model's {resuming} blocks have {second.Pool.BlockBytes}", e.Message);
        Assert.Equal(free, second.Pool.FreeCount);
    }
}
