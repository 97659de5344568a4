using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tests.Support;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Scheduling;

/// <summary>An engine refuses KV blocks of the other KV cache type, without leaking pool blocks (F16 blocks
/// continued elsewhere are in <see cref="KvHandOffTests"/>).</summary>
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
