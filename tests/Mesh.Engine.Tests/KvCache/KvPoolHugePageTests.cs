using System.Globalization;
using Mesh.Engine.KvCache;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.KvCache;

/// <summary>The KV pool asks Linux for 2 MiB pages: it starts on a 2 MiB boundary and, where transparent huge pages
/// are on (`madvise` or `always`), the pages it writes are huge ones.</summary>
public sealed class KvPoolHugePageTests
{
    [SkippableFact]
    public unsafe void A_written_pool_is_backed_by_huge_pages_where_the_kernel_offers_them()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "transparent huge pages are a Linux feature");
        const string modeFile = "/sys/kernel/mm/transparent_hugepage/enabled";
        string mode = File.Exists(modeFile) ? File.ReadAllText(modeFile) : "";
        Skip.IfNot(mode.Contains("[madvise]") || mode.Contains("[always]"), $"transparent huge pages are off here ({mode.Trim()})");

        // 64 blocks of 2 layers × K,V × 16 slots × 1024 floats = 16 MiB
        using var pool = new KvBlockPool(64, 16, 2, 1024, KvCacheType.F32);
        long start;
        fixed (byte* p = pool.BlockData(0)) start = (long)p;
        Assert.Equal(0, start % (2 << 20));
        for (int b = 0; b < pool.BlockCount; b++) pool.BlockData(b).Fill(1);

        Assert.True(AnonHugePagesKb(start) > 0, "no huge page backs the written pool");
    }

    /// <summary>AnonHugePages of the mapping holding <paramref name="address"/>, from /proc/self/smaps.</summary>
    private static long AnonHugePagesKb(long address)
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
            if (inside && line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        return 0;
    }
}
