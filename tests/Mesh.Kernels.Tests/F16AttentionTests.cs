using System.Runtime.InteropServices;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>Attention over an F16 KV pool: every forced kernel path against the scalar reference over the same
/// halves, and bit for bit against the F32 kernel over the cache widened to F32 (the F16 kernel widens exactly
/// and keeps the F32 kernel's summation order, so a token's output depends only on the stored halves).</summary>
public sealed unsafe class F16AttentionTests : IDisposable
{
    // 2 layers (layer 1 is read: the layer offset counts), 70 positions: 4 full blocks of 16 and a partial one of 6,
    // whose rows end in a 2-row remainder after the 4-row tiles; head dim 24 leaves a k % 16 tail on AVX-512
    private const int Heads = 8, KvHeads = 2, HeadDim = 24, BlockSize = 16, Layers = 2, Blocks = 6, Length = 70;
    private const int KvDim = KvHeads * HeadDim;
    private const long Elements = (long)Blocks * Layers * 2 * BlockSize * KvDim;
    private static readonly int[] Table = [4, 1, 5, 0, 2];

    /// <summary>[blocks, layers, 2, blockSize, kvDim] halves, and the same values widened to floats.</summary>
    private readonly Half* _halves;
    private readonly float* _widened;

    public F16AttentionTests()
    {
        _halves = (Half*)NativeMemory.AlignedAlloc((nuint)(Elements * 2), 64);
        _widened = (float*)NativeMemory.AlignedAlloc((nuint)(Elements * 4), 64);
        var values = TestData.Random((int)Elements, 31, scale: 2f);
        for (long i = 0; i < Elements; i++)
        {
            _halves[i] = (Half)values[i];
            _widened[i] = (float)_halves[i];
        }
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_halves);
        NativeMemory.AlignedFree(_widened);
    }

    private PagedKvView HalfView => new(_halves, KvCacheType.F16, BlockSize, KvDim, Layers, layer: 1);
    private PagedKvView FloatView => new(_widened, BlockSize, KvDim, Layers, layer: 1);

    public static TheoryData<SimdPath> Paths() => new(Enum.GetValues<SimdPath>());

    private static float[] Attend(IKernels k, in PagedKvView kv, float[] q, int headBegin = 0, int headEnd = Heads)
    {
        var output = new float[Heads * HeadDim];
        k.Attention(q, kv, Table, Length, output, new float[Length], Heads, KvHeads, HeadDim, headBegin, headEnd);
        return output;
    }

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public void A_run_of_prompt_tokens_over_halves_attends_exactly_as_each_token_alone(SimdPath path)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        using var cpu = new CpuKernels(1, path);
        const int qDim = Heads * HeadDim, context = 80;
        foreach (var (length, queries) in ((int, int)[])[(1, 8), (13, 4), (30, 5), (60, 8)])
        {
            var q = TestData.Random(queries * qDim, 40 + length);
            var together = new float[queries * qDim];
            cpu.AttentionRun(q, queries, HalfView, Table, length, together, new float[queries * context], Heads, KvHeads, HeadDim, 0, Heads);
            var widened = new float[queries * qDim];
            cpu.AttentionRun(q, queries, FloatView, Table, length, widened, new float[queries * context], Heads, KvHeads, HeadDim, 0, Heads);
            Assert.Equal(widened, together);
            for (int i = 0; i < queries; i++)
            {
                var alone = new float[qDim];
                cpu.Attention(q.AsSpan(i * qDim, qDim), HalfView, Table, length + i, alone, new float[context], Heads, KvHeads, HeadDim, 0, Heads);
                Assert.True(alone.AsSpan().SequenceEqual(together.AsSpan(i * qDim, qDim)),
                    $"{path}: token {i} of a run of {queries} from position {length - 1} differs from it alone");
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public void F16_attention_on_a_forced_path_matches_the_reference_over_the_same_halves(SimdPath path)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        var q = TestData.Random(Heads * HeadDim, 32);
        float[] expected = Attend(new ReferenceKernels(), HalfView, q);
        using var cpu = new CpuKernels(1, path);
        var actual = new float[Heads * HeadDim];
        // in two head ranges, as the engine splits a token's heads by KV group
        var scores = new float[Length];
        cpu.Attention(q, HalfView, Table, Length, actual, scores, Heads, KvHeads, HeadDim, 0, Heads / 2);
        cpu.Attention(q, HalfView, Table, Length, actual, scores, Heads, KvHeads, HeadDim, Heads / 2, Heads);
        Assert.True(TestData.Nmse(expected, actual) < 1e-10, $"{path}: nmse {TestData.Nmse(expected, actual)}");
    }

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public void F16_attention_equals_f32_attention_over_the_widened_cache_bit_for_bit(SimdPath path)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        var q = TestData.Random(Heads * HeadDim, 33);
        using var cpu = new CpuKernels(1, path);
        Assert.Equal(Attend(cpu, FloatView, q), Attend(cpu, HalfView, q));
    }

    [Fact]
    public void The_reference_reads_halves_as_their_exact_floats()
    {
        var q = TestData.Random(Heads * HeadDim, 34);
        var reference = new ReferenceKernels();
        Assert.Equal(Attend(reference, FloatView, q), Attend(reference, HalfView, q));
    }

    [Fact]
    public void The_view_finds_each_layers_k_and_v_rows_at_half_the_f32_offsets()
    {
        for (int layer = 0; layer < Layers; layer++)
        {
            var h = new PagedKvView(_halves, KvCacheType.F16, BlockSize, KvDim, Layers, layer);
            var f = new PagedKvView(_widened, BlockSize, KvDim, Layers, layer);
            foreach (int b in Table)
            {
                Assert.Equal((long)(f.K(b) - _widened), (long)(h.KHalf(b) - _halves));
                Assert.Equal((long)(f.V(b) - _widened), (long)(h.VHalf(b) - _halves));
            }
        }
    }
}
