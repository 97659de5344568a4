using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

public sealed class WorkerPoolTests
{
    private sealed class CountWork(int[] hits) : IParallelWork
    {
        public void Run(int begin, int end) { for (int i = begin; i < end; i++) Interlocked.Increment(ref hits[i]); }
    }

    private sealed class FailingWork : IParallelWork
    {
        public void Run(int begin, int end) => throw new InvalidOperationException("boom");
    }

    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 1000)]
    [InlineData(3, 7)]
    public void Every_item_runs_exactly_once_across_many_runs(int threads, int count)
    {
        using var pool = new WorkerPool(threads);
        var hits = new int[count];
        var work = new CountWork(hits);
        for (int run = 0; run < 200; run++) pool.Run(work, count);
        Assert.All(hits, h => Assert.Equal(200, h));
    }

    [Fact]
    public void A_fault_in_a_worker_surfaces_in_the_caller()
    {
        using var pool = new WorkerPool(2);
        Assert.ThrowsAny<Exception>(() => pool.Run(new FailingWork(), 100));
        var hits = new int[10];
        pool.Run(new CountWork(hits), 10);   // the pool still works afterwards
        Assert.All(hits, h => Assert.Equal(1, h));
    }
}
