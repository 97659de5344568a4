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

    /// <summary>Records which thread ran each item (each about a microsecond of work); the first chunk on each thread waits (up to 5 s) until
    /// <paramref name="threads"/> threads have started, so every thread takes part.</summary>
    private sealed class OwnerWork(int[] owner, int threads) : IParallelWork
    {
        private int _arrived;
        [ThreadStatic] private static object? t_run;
        public uint Sink { get; private set; }

        public void Run(int begin, int end)
        {
            if (t_run != this)
            {
                t_run = this;
                Interlocked.Increment(ref _arrived);
                var wait = System.Diagnostics.Stopwatch.StartNew();
                while (Volatile.Read(ref _arrived) < threads && wait.ElapsedMilliseconds < 5000) Thread.SpinWait(8);
            }
            for (int i = begin; i < end; i++)
            {
                // about a microsecond of work an item, so both threads are still claiming when the shares run out
                uint h = (uint)i;
                for (int k = 0; k < 400; k++) h = h * 2654435761u + 1;
                owner[i] = Environment.CurrentManagedThreadId;
                Sink = h;
            }
        }
    }

    [Fact]
    public void Each_thread_works_through_one_contiguous_share_and_only_the_tail_is_taken_over()
    {
        // the point of shares: a thread's items follow one another in memory (one stream per thread), where
        // chunks handed out from one counter alternate between the threads many times
        using var pool = new WorkerPool(2);
        const int count = 4096;
        var owner = new int[count];
        pool.Run(new OwnerWork(owner, 2), count);
        var stretches = new Dictionary<int, int>();
        for (int i = 0; i < count; i++)
            if (i == 0 || owner[i] != owner[i - 1]) stretches[owner[i]] = stretches.GetValueOrDefault(owner[i]) + 1;
        Assert.Equal(2, stretches.Count);
        // a thread that runs ahead takes the back half of the other's share, then the back half of what is left,
        // and so on: those pieces join into one stretch (the other share's tail), whatever the timing
        Assert.All(stretches.Values, s => Assert.InRange(s, 1, 3));
    }

    /// <summary>Items of the helper's share (the upper half) block on the helper until the caller has run one of
    /// them: the run finishes only if the caller takes over part of the helper's share.</summary>
    private sealed class StuckHelperWork(int count, int callerThread) : IParallelWork
    {
        private int _callerRanUpperItem;
        public int[] Hits { get; } = new int[count];
        public bool CallerTookOver => Volatile.Read(ref _callerRanUpperItem) == 1;

        public void Run(int begin, int end)
        {
            for (int i = begin; i < end; i++)
            {
                if (Environment.CurrentManagedThreadId == callerThread)
                {
                    if (i >= count / 2) Volatile.Write(ref _callerRanUpperItem, 1);
                }
                else
                {
                    var wait = System.Diagnostics.Stopwatch.StartNew();
                    while (Volatile.Read(ref _callerRanUpperItem) == 0 && wait.ElapsedMilliseconds < 10_000) Thread.Sleep(1);
                }
                Interlocked.Increment(ref Hits[i]);
            }
        }
    }

    [Fact]
    public void A_held_up_thread_s_share_is_taken_over()
    {
        using var pool = new WorkerPool(2);
        var work = new StuckHelperWork(64, Environment.CurrentManagedThreadId);
        pool.Run(work, 64);
        Assert.All(work.Hits, h => Assert.Equal(1, h));
        Assert.True(work.CallerTookOver, "the caller never took over the held-up helper's share");
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
