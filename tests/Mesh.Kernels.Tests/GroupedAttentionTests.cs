using System.Runtime.InteropServices;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>
/// Grouped-query attention of one token: the query heads of a KV head computed together (each KV row read, or
/// widened, once for the group) give the bits of the head-by-head kernel, on every forced path, over F32 and F16
/// pools, for whole and partial groups (a thread's head range can split one).
/// </summary>
public sealed unsafe class GroupedAttentionTests : IDisposable
{
    // 12 query heads on 2 KV heads (groups of 6: a tile of 4 heads and 2 left); head dim 24 leaves a k % 16 tail;
    // 70 positions: 4 full blocks of 16 and a partial one whose rows end in a 2-row remainder after the 4-row tiles
    private const int Heads = 12, KvHeads = 2, HeadDim = 24, BlockSize = 16, Layers = 2, Blocks = 6;
    private const int KvDim = KvHeads * HeadDim;
    private const long Elements = (long)Blocks * Layers * 2 * BlockSize * KvDim;
    private static readonly int[] Table = [4, 1, 5, 0, 2];

    private readonly Half* _halves;
    private readonly float* _floats;

    public GroupedAttentionTests()
    {
        _halves = (Half*)NativeMemory.AlignedAlloc((nuint)(Elements * 2), 64);
        _floats = (float*)NativeMemory.AlignedAlloc((nuint)(Elements * 4), 64);
        var values = TestData.Random((int)Elements, 57, scale: 2f);
        for (long i = 0; i < Elements; i++)
        {
            _halves[i] = (Half)values[i];
            _floats[i] = values[i];
        }
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_halves);
        NativeMemory.AlignedFree(_floats);
    }

    public static TheoryData<SimdPath, bool> Cases()
    {
        var data = new TheoryData<SimdPath, bool>();
        foreach (SimdPath path in Enum.GetValues<SimdPath>())
        {
            data.Add(path, false);
            data.Add(path, true);
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Query_heads_of_a_kv_head_together_attend_exactly_as_head_by_head(SimdPath path, bool half)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        using var cpu = new CpuKernels(1, path);
        PagedKvView kv = half
            ? new PagedKvView(_halves, KvCacheType.F16, BlockSize, KvDim, Layers, layer: 1)
            : new PagedKvView(_floats, BlockSize, KvDim, Layers, layer: 1);
        foreach (int length in (int[])[1, 3, 16, 70])
            foreach (var (begin, end) in ((int, int)[])[(0, Heads), (1, 11), (4, 8), (5, 7), (6, 7)])
            {
                var q = TestData.Random(Heads * HeadDim, 60 + length);
                var together = new float[Heads * HeadDim];
                var alone = new float[Heads * HeadDim];
                // scores for every head of a group: together; for one head: head by head
                cpu.Attention(q, kv, Table, length, together, new float[Heads / KvHeads * length], Heads, KvHeads, HeadDim, begin, end);
                cpu.Attention(q, kv, Table, length, alone, new float[length], Heads, KvHeads, HeadDim, begin, end);
                Assert.True(alone.AsSpan().SequenceEqual(together),
                    $"{path} {(half ? "F16" : "F32")}: heads [{begin}, {end}) over {length} positions differ together and head by head");
                Assert.All(together[(end * HeadDim)..], v => Assert.Equal(0f, v));
            }
    }
}
