using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tests.Parity;
using Mesh.Engine.Tests.Support;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.KvCache;

/// <summary>An engine whose KV cache is F16: K/V stored as the nearest halves of what F32 would store, logits
/// and greedy tokens close to the F32 cache's, the SIMD kernels tight against the scalar reference over the same
/// halves, and half the bytes per block when the pool is sized by <see cref="EngineOptions.KvCacheBytes"/>.</summary>
public sealed class F16KvCacheTests(TestModels models) : IClassFixture<TestModels>
{
    private static readonly int[] Prompt = [1, 17, 99, 204, 5, 31, 77, 300, 12, 8, 150, 151, 152, 9, 44, 45, 46, 47, 48, 49, 50];

    private static EngineOptions Options(KvCacheType type, bool reference = false) =>
        new() { Threads = 2, BlockSize = 4, KvCacheType = type, ReferenceKernels = reference, PrefixCaching = false };

    private float[] LastLogits(EngineOptions options)
    {
        using var model = ModelLoader.Load(models.Tiny);
        using var engine = new InferenceEngine(model, options);
        return engine.LastLogits(Prompt);
    }

    private int[] Greedy(EngineOptions options, int tokens)
    {
        using var model = ModelLoader.Load(models.Tiny);
        using var engine = new InferenceEngine(model, options);
        return Generation.Run(engine, Prompt, SamplingParams.Greedy(tokens) with { IgnoreEos = true }).Ids;
    }

    [Fact]
    public void F16_kv_gives_logits_within_1e_2_of_f32_kv_and_the_same_greedy_tokens()
    {
        float[] f32 = LastLogits(Options(KvCacheType.F32));
        float[] f16 = LastLogits(Options(KvCacheType.F16));
        var distance = LogitDistance.Between(f16, f32);
        Assert.True(distance.MaxAbs < 1e-2, $"F16 KV vs F32 KV: {distance}");
        // the halves are really used: rounding K/V moves the logits a little
        Assert.True(distance.MaxAbs > 0, "F16 KV gave the F32 logits bit for bit: the cache was not rounded");
        Assert.Equal(Greedy(Options(KvCacheType.F32), 16), Greedy(Options(KvCacheType.F16), 16));
    }

    [Fact]
    public void F16_kv_on_the_simd_kernels_matches_the_scalar_reference_over_f16_kv()
    {
        var simd = LastLogits(Options(KvCacheType.F16));
        var reference = LastLogits(Options(KvCacheType.F16, reference: true) with { Threads = 1 });
        var distance = LogitDistance.Between(simd, reference);
        Assert.True(distance.Nmse < 1e-10 && distance.MaxAbs < 1e-4, $"F16 KV, SIMD vs reference: {distance}");
        Assert.Equal(Greedy(Options(KvCacheType.F16, reference: true) with { Threads = 1 }, 16), Greedy(Options(KvCacheType.F16), 16));
    }

    [Fact]
    public void The_f16_pool_holds_each_k_and_v_rounded_to_the_nearest_half()
    {
        // layer 0's K and V depend only on the embeddings and layer 0's weights, so both caches start from the same floats
        using var model = ModelLoader.Load(models.Tiny);
        using var f32 = new InferenceEngine(model, Options(KvCacheType.F32));
        using var f16 = new InferenceEngine(model, Options(KvCacheType.F16));
        ReadOnlySpan<byte> wide = FirstBlock(f32), narrow = FirstBlock(f16);
        int layer0 = 2 * 4 * model.Config.KvDim;   // K and V planes of layer 0: [2, blockSize, kvDim]
        var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(wide)[..layer0];
        var halves = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(narrow)[..layer0];
        for (int i = 0; i < layer0; i++)
            Assert.Equal(BitConverter.HalfToUInt16Bits((Half)floats[i]), BitConverter.HalfToUInt16Bits(halves[i]));
        Assert.Equal(wide.Length, 2 * narrow.Length);
    }

    /// <summary>The bytes of the first KV block of the prompt, prefilled with its KV held.</summary>
    private static byte[] FirstBlock(InferenceEngine engine)
    {
        long id = engine.Add(Prompt, SamplingParams.Greedy(1), holdKv: true);
        while (engine.HasWork) engine.Step();
        return engine.BlockData(engine.Held(id)!.Blocks[0]).ToArray();
    }

    [Fact]
    public void A_pool_sized_by_bytes_holds_twice_the_f16_blocks()
    {
        using var model = ModelLoader.Load(models.Tiny);
        ModelConfig c = model.Config;
        long f32Block = (long)c.Layers * 2 * 4 * c.KvDim * sizeof(float);
        var sized = Options(KvCacheType.F32) with { KvCacheBytes = 40 * f32Block, MaxSequences = 64, MaxContext = 64 };
        using var f32 = new InferenceEngine(model, sized);
        using var f16 = new InferenceEngine(model, sized with { KvCacheType = KvCacheType.F16 });
        Assert.Equal((40, f32Block, KvCacheType.F32), (f32.Pool.BlockCount, f32.Pool.BlockBytes, f32.Pool.Type));
        Assert.Equal((80, f32Block / 2, KvCacheType.F16), (f16.Pool.BlockCount, f16.Pool.BlockBytes, f16.Pool.Type));
    }
}
