using System.Globalization;
using Mesh.Engine.KvCache;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.KvCache;

/// <summary>The KV pool asks Linux for 2 MiB pages: it starts on a 2 MiB boundary and its mapping carries the
/// huge-page advice (`hg` in its VmFlags). Whether the kernel then backs it with huge pages depends on free
/// contiguous memory at the time, so that is measured (docs/performance.md), not asserted.</summary>
public sealed class KvPoolHugePageTests
{
    [SkippableFact]
    public unsafe void The_pool_is_aligned_and_advised_for_huge_pages()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "transparent huge pages are a Linux feature");
        Skip.IfNot(File.Exists("/sys/kernel/mm/transparent_hugepage/enabled"), "this kernel has no transparent huge pages");

        // 64 blocks of 2 layers × K,V × 16 slots × 1024 floats = 16 MiB
        using var pool = new KvBlockPool(64, 16, 2, 1024, KvCacheType.F32);
        long start;
        fixed (byte* p = pool.BlockData(0)) start = (long)p;
        Assert.Equal(0, start % (2 << 20));

        string[] flags = VmFlags(start);
        Assert.Contains("hg", flags);
    }

    /// <summary>VmFlags of the mapping holding <paramref name="address"/>, from /proc/self/smaps.</summary>
    private static string[] VmFlags(long address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash > 0 && space > dash && long.TryParse(line[..dash], NumberStyles.HexNumber, null, out long from)
                && long.TryParse(line[(dash + 1)..space], NumberStyles.HexNumber, null, out long to))
            {
                inside = address >= from && address < to;
                continue;
            }
            if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
                return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        return [];
    }
}
