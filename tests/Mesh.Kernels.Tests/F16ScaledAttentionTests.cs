using System.Runtime.InteropServices;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>Attention over an F16 pool at a head dim the scaled kernels take (64): the halves only moved to their F32
/// bit places and the 2¹¹² re-bias moved onto the query and the softmax weights must give the F32 kernel's bits over
/// the widened cache, for ordinary values, subnormal halves, an Inf or NaN in a key or a value row (those tiles and
/// outputs are redone widened), and a query too large to scale (|q| ≥ 2¹⁶: widened throughout); head by head and through
/// the grouped kernel.</summary>
public sealed unsafe class F16ScaledAttentionTests : IDisposable
{
    // 1 layer, 53 positions: 3 full blocks of 16 and 5 rows, whose last row falls outside the 4-row tiles
    private const int Heads = 4, KvHeads = 2, HeadDim = 64, BlockSize = 16, Layers = 1, Blocks = 4, Length = 53;
    private const int KvDim = KvHeads * HeadDim;
    private const long Elements = (long)Blocks * Layers * 2 * BlockSize * KvDim;
    private static readonly int[] Table = [2, 0, 3, 1];

    private readonly Half* _halves;
    private readonly float* _widened;

    public F16ScaledAttentionTests()
    {
        _halves = (Half*)NativeMemory.AlignedAlloc((nuint)(Elements * 2), 64);
        _widened = (float*)NativeMemory.AlignedAlloc((nuint)(Elements * 4), 64);
        var values = TestData.Random((int)Elements, 57, scale: 2f);
        for (long i = 0; i < Elements; i++) Set(i, (Half)values[i]);
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_halves);
        NativeMemory.AlignedFree(_widened);
    }

    private void Set(long i, Half h)
    {
        _halves[i] = h;
        _widened[i] = (float)h;
    }

    private PagedKvView HalfView => new(_halves, KvCacheType.F16, BlockSize, KvDim, Layers, layer: 0);
    private PagedKvView FloatView => new(_widened, BlockSize, KvDim, Layers, layer: 0);

    /// <summary>Element index of (block, K or V, slot, column) in the pool.</summary>
    private static long At(int block, bool value, int slot, int column) =>
        (((long)block * Layers * 2 + (value ? 1 : 0)) * BlockSize + slot) * KvDim + column;

    /// <summary>Each vector path, head by head (scores for one head) and grouped (scores for a KV head's two query heads:
    /// the grouped kernel, which places a block's rows once for both).</summary>
    public static TheoryData<SimdPath, bool> VectorPaths() => new()
    {
        { SimdPath.Avx512, false }, { SimdPath.Avx2, false }, { SimdPath.Avx512, true }, { SimdPath.Avx2, true },
    };

    private static float[] Attend(IKernels k, in PagedKvView kv, float[] q, bool grouped)
    {
        var output = new float[Heads * HeadDim];
        k.Attention(q, kv, Table, Length, output, new float[grouped ? Heads / KvHeads * Length : Length], Heads, KvHeads, HeadDim, 0, Heads);
        return output;
    }

    private void AssertHalvesAttendAsWidened(SimdPath path, bool grouped, float[] q)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        using var cpu = new CpuKernels(1, path);
        var widened = Attend(cpu, FloatView, q, grouped);
        var halves = Attend(cpu, HalfView, q, grouped);
        for (int i = 0; i < widened.Length; i++)
            if (BitConverter.SingleToInt32Bits(widened[i]) != BitConverter.SingleToInt32Bits(halves[i]) && !(float.IsNaN(widened[i]) && float.IsNaN(halves[i])))
                Assert.Fail($"{path}{(grouped ? ", grouped" : "")}: output {i} is {halves[i]:R} over halves, {widened[i]:R} over the widened cache");
    }

    [SkippableTheory]
    [MemberData(nameof(VectorPaths))]
    public void Ordinary_values_attend_bit_for_bit_as_the_widened_cache(SimdPath path, bool grouped) =>
        AssertHalvesAttendAsWidened(path, grouped, TestData.Random(Heads * HeadDim, 58));

    [SkippableTheory]
    [MemberData(nameof(VectorPaths))]
    public void Subnormal_halves_attend_bit_for_bit_as_the_widened_cache(SimdPath path, bool grouped)
    {
        // every 7th element of the pool a subnormal half (2⁻²⁴ … 2⁻¹⁴), of either sign
        for (long i = 0; i < Elements; i += 7)
            Set(i, BitConverter.UInt16BitsToHalf((ushort)((int)(i % 1021 + 1) | (i % 2 == 0 ? 0 : 0x8000))));
        AssertHalvesAttendAsWidened(path, grouped, TestData.Random(Heads * HeadDim, 59, scale: 300f));
    }

    [SkippableTheory]
    [MemberData(nameof(VectorPaths))]
    public void An_infinite_key_and_a_nan_value_give_the_widened_cache_s_results(SimdPath path, bool grouped)
    {
        // KV head 0: an infinite key in a 4-row tile; KV head 1: a NaN in a value row, and an infinite key in the
        // last row (outside the tiles)
        Set(At(Table[1], value: false, 5, 3), Half.PositiveInfinity);
        Set(At(Table[2], value: true, 9, HeadDim + 17), Half.NaN);
        Set(At(Table[3], value: false, 4, HeadDim + 60), Half.NegativeInfinity);
        AssertHalvesAttendAsWidened(path, grouped, TestData.Random(Heads * HeadDim, 60));
        // and a large value that is finite: no fallback needed, still the same bits
        Set(At(Table[1], value: false, 5, 3), (Half)65504f);
        Set(At(Table[2], value: true, 9, HeadDim + 17), (Half)(-65504f));
        Set(At(Table[3], value: false, 4, HeadDim + 60), (Half)1f);
        AssertHalvesAttendAsWidened(path, grouped, TestData.Random(Heads * HeadDim, 61));
    }

    [SkippableTheory]
    [MemberData(nameof(VectorPaths))]
    public void A_query_too_large_to_scale_attends_as_the_widened_cache(SimdPath path, bool grouped)
    {
        var q = TestData.Random(Heads * HeadDim, 62);
        q[HeadDim + 5] = 70000f;          // head 1 cannot be scaled by 2^112 in F32
        q[3 * HeadDim + 1] = float.NaN;   // nor can head 3
        AssertHalvesAttendAsWidened(path, grouped, q);
    }

    [Fact]
    public void The_rebias_is_two_to_the_112()
    {
        Assert.Equal(0x77800000, BitConverter.SingleToInt32Bits(HalfWidener.Rebias));
        Assert.Equal(0x77800000, BitConverter.SingleToInt32Bits(MathF.ScaleB(1f, 112)));
    }
}
