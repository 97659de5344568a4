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
}
