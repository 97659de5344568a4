using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>Software prefetch of one head's slice of a KV block: <c>rows</c> rows of <c>rowBytes</c> that lie
/// <c>stride</c> bytes apart ([slot, kvDim] layout: a head reads a short piece of every slot). Attention asks for
/// the next block while it computes on this one; a block's 16 strided pieces are otherwise met one memory
/// latency at a time, which made attention a quarter of a decode step.</summary>
internal static unsafe class KvPrefetch
{
    private const int Line = 64;

    /// <summary>
    /// Blocks ahead of the one being computed on that attention asks for. One was not enough to hide the memory
    /// latency of 16 strided pieces: three took F16 attention over 12 layers × 12 heads × 1024 positions from
    /// 245–252 to 192–204 µs a layer on one core, and 8 sequences decoding at 1024 positions together (134M Q8_0,
    /// 2 threads) from 252–268 to 325–339 tok/s (four: no better than three).
    /// </summary>
    public const int BlocksAhead = 3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows(byte* first, long stride, int rows, int rowBytes)
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < rows; r++)
        {
            byte* p = first + r * stride;
            for (int o = 0; o < rowBytes; o += Line) Sse.Prefetch0(p + o);
        }
    }

    /// <summary>
    /// One head's piece (<paramref name="headDim"/> elements at <paramref name="kvOff"/>) of the keys or values of the
    /// <paramref name="index"/>-th block of <paramref name="table"/>, if the sequence's <paramref name="length"/>
    /// positions reach that block. Attention calls it for the block <see cref="BlocksAhead"/> after the one it
    /// computes on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(in PagedKvView kv, bool values, int* table, int index, int length, int kvOff, int headDim)
    {
        int bs = kv.BlockSize, first = index * bs;
        if (first >= length) return;
        int block = table[index];
        if (kv.Type == KvCacheType.F16)
            Rows((byte*)((ushort*)(values ? kv.VHalf(block) : kv.KHalf(block)) + kvOff), (long)kv.KvDim * sizeof(ushort), Math.Min(bs, length - first), headDim * sizeof(ushort));
        else
            Rows((byte*)((values ? kv.V(block) : kv.K(block)) + kvOff), (long)kv.KvDim * sizeof(float), Math.Min(bs, length - first), headDim * sizeof(float));
    }

    /// <summary>The first <see cref="BlocksAhead"/> blocks of a pass over one head's keys or values, before it starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Start(in PagedKvView kv, bool values, int* table, int length, int kvOff, int headDim)
    {
        for (int a = 0; a < BlocksAhead; a++) Block(kv, values, table, a, length, kvOff, headDim);
    }
}
