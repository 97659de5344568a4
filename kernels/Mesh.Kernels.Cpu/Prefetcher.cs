using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>Software prefetch of weight panels ahead of the one being computed. A product over a few
/// tokens reads each weight once, from memory; the hardware prefetchers stop at 4 KiB page
/// boundaries and lose interleaved row streams, so the panels after the current one are requested
/// explicitly, one line at a time, clipped to the matrix.</summary>
internal static unsafe class Prefetcher
{
    private const int Line = 64;

    /// <summary>Requests rows [row, row + rows) of <paramref name="w"/> into the caches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(in WeightMatrix w, int row, int rows)
    {
        if (!Sse.IsSupported || row >= w.Rows) return;
        rows = Math.Min(rows, w.Rows - row);
        byte* p = w.Data + (long)row * w.RowBytes;
        long bytes = (long)rows * w.RowBytes;
        for (long o = 0; o < bytes; o += Line) Sse.Prefetch0(p + o);
    }
}
