using Mesh.Kernels;

namespace Mesh.Kernels.Cpu;

/// <summary>One persistent set of threads sized to the cores. The calling thread takes part in every
/// run; each thread starts on a contiguous share of the items and claims it front to back, and a thread that is
/// done takes the back half of the largest share left, all by compare-and-swap, so the hot loop takes no lock and
/// each thread streams its part of a weight matrix from one place instead of chunks interleaved with another's.
/// Helpers wait for the next run by spinning on a generation counter for a short while (decode issues
/// a run every few microseconds) and then sleep on a monitor. Runs are not re-entrant: exactly one
/// thread (the engine loop) calls <see cref="Run"/>.</summary>
public sealed class WorkerPool : IDisposable
{
    /// <summary>How long an idle helper spins before it sleeps.</summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 2000;   // 0.5 ms

    /// <summary>Helper threads (Threads − 1 of them; the caller is the last worker).</summary>
    private readonly Thread[] _threads;
    /// <summary>Guards sleeping: helpers wait on it, <see cref="Run"/> pulses it when any sleep.</summary>
    private readonly object _gate = new();
    /// <summary>Bumped once per run (and on dispose); a helper runs when it sees a new value.</summary>
    private long _generation;
    /// <summary>Helpers inside (or about to enter) Monitor.Wait on <see cref="_gate"/>.</summary>
    private int _sleepers;
    /// <summary>The run in progress; written before the generation bump, read by helpers after it.</summary>
    private IParallelWork? _work;
    /// <summary>Smallest chunk of the current run.</summary>
    private int _grain;
    /// <summary>Each thread's unclaimed items of the current run, (begin &lt;&lt; 32) | end, one per
    /// <see cref="Stride"/> longs (its own cache lines); slot 0 is the caller's, slot i helper i's. Changed only by
    /// compare-and-swap: the owner claims from the front, a thread with nothing left takes the back half.</summary>
    private readonly long[] _ranges;
    private const int Stride = 16;
    /// <summary>An owner claims this fraction of what it has left at a time (at least the grain).</summary>
    private const int Slices = 4;
    /// <summary>Helpers that joined the current run and have not left it.</summary>
    private int _active;
    /// <summary>The generation whose run no longer admits helpers: set by the caller once every item
    /// is claimed, so a helper that wakes late (descheduled, asleep) is never waited for.</summary>
    private long _closed;
    private volatile bool _stopping;
    /// <summary>First fault thrown inside a helper during the current run; rethrown by <see cref="Run"/>.</summary>
    private Exception? _fault;

    public int Threads { get; }

    public WorkerPool(int threads)
    {
        Threads = Math.Max(1, threads);
        _ranges = new long[Threads * Stride];
        _threads = new Thread[Threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int slot = i + 1;
            _threads[i] = new Thread(() => Loop(slot)) { IsBackground = true, Name = $"mesh-worker-{slot}" };
            _threads[i].Start();
        }
    }

    /// <summary>Runs items [0, count) on all threads and returns when every item is done.
    /// <paramref name="grain"/> is the smallest chunk worth handing to a thread.</summary>
    public void Run(IParallelWork work, int count, int grain = 1)
    {
        if (count <= 0) return;
        if (_threads.Length == 0 || count <= grain)
        {
            work.Run(0, count);
            return;
        }
        _work = work;
        _grain = Math.Max(1, grain);
        _fault = null;
        // contiguous shares, so each thread streams its part of a matrix from one start address
        for (int t = 0; t < Threads; t++)
            Volatile.Write(ref _ranges[t * Stride], Pack((int)((long)count * t / Threads), (int)((long)count * (t + 1) / Threads)));
        long generation = Interlocked.Increment(ref _generation);
        WakeSleepers();
        // a fault here must still wait for the helpers, or they would run into the next run
        try { Drain(0); }
        catch (Exception ex) { Interlocked.CompareExchange(ref _fault, ex, null); }
        // every item is claimed: close the run, then wait only for helpers that joined it (a helper
        // counts itself in before it re-checks _closed, and this closes before it reads the count)
        Interlocked.Exchange(ref _closed, generation);
        // the helpers still inside are finishing their last chunk (microseconds): spin, yielding the
        // core only now and then in case one of them is descheduled
        for (int i = 1; Volatile.Read(ref _active) != 0; i++)
        {
            if ((i & 1023) == 0) Thread.Yield();
            else Thread.SpinWait(1);
        }
        _work = null;
        if (_fault is { } fault) throw new AggregateException("a worker thread failed", fault);
    }

    /// <summary>Pulses sleeping helpers. A helper counts itself a sleeper (interlocked) before it
    /// re-reads the generation, and the generation is bumped (interlocked) before this reads the count,
    /// so either this sees the sleeper or the sleeper sees the new generation.</summary>
    private void WakeSleepers()
    {
        if (Volatile.Read(ref _sleepers) == 0) return;
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>Claims and runs chunks until no thread has any left. A thread claims from the front of its own share
    /// (a quarter of what it has left, at least the grain), so its chunks follow one another in memory; with its share
    /// done it takes the back half of the largest share left (a helper that has not woken yet, or a slower one) and
    /// goes on with that. The threads finish within a small chunk of each other.</summary>
    private void Drain(int self)
    {
        var work = _work!;
        int grain = _grain;
        ref long mine = ref _ranges[self * Stride];
        while (true)
        {
            long r = Volatile.Read(ref mine);
            int begin = (int)(r >> 32), end = (int)r;
            if (begin >= end)
            {
                if (!Steal(self)) return;
                continue;
            }
            int stop = Math.Min(end, begin + Math.Max(grain, (end - begin) / Slices));
            if (Interlocked.CompareExchange(ref mine, Pack(stop, end), r) != r) continue;
            work.Run(begin, stop);
        }
    }

    /// <summary>Moves the back half of the largest share left into this thread's (empty) slot; false when every
    /// item is claimed. Only the owner shrinks a share from the front and only a thief from the back, both by
    /// compare-and-swap, so an item is claimed once.</summary>
    private bool Steal(int self)
    {
        while (true)
        {
            int victim = -1, most = 0;
            long seen = 0;
            for (int t = 0; t < Threads; t++)
            {
                if (t == self) continue;
                long r = Volatile.Read(ref _ranges[t * Stride]);
                int left = (int)r - (int)(r >> 32);
                if (left > most) { most = left; victim = t; seen = r; }
            }
            if (victim < 0) return false;
            int begin = (int)(seen >> 32), end = (int)seen;
            // the owner keeps the front (where it is reading); a share of one item goes whole
            int mid = most >= 2 * _grain ? begin + most / 2 : begin;
            if (Interlocked.CompareExchange(ref _ranges[victim * Stride], Pack(begin, mid), seen) != seen) continue;
            Volatile.Write(ref _ranges[self * Stride], Pack(mid, end));
            return true;
        }
    }

    private static long Pack(int begin, int end) => (long)begin << 32 | (uint)end;

    private void Loop(int slot)
    {
        long seen = 0;
        while (true)
        {
            seen = WaitForRun(seen);
            if (_stopping) return;
            Interlocked.Increment(ref _active);
            // join only the run it woke for, and only while that run is open: then the caller waits
            // for this helper before it touches the run's fields again
            if (Volatile.Read(ref _generation) == seen && Volatile.Read(ref _closed) < seen)
            {
                try { Drain(slot); }
                catch (Exception ex) { Interlocked.CompareExchange(ref _fault, ex, null); }
            }
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>Spins, then sleeps, until the generation moves past <paramref name="seen"/>.</summary>
    private long WaitForRun(long seen)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 1; ; i++)
        {
            long g = Volatile.Read(ref _generation);
            if (g != seen) return g;
            // a decode step issues a run every few microseconds: check the generation after every
            // pause, the clock only every 1024 of them
            if ((i & 1023) != 0 || System.Diagnostics.Stopwatch.GetTimestamp() - start < SpinTicks)
            {
                Thread.SpinWait(1);
                continue;
            }
            lock (_gate)
            {
                Interlocked.Increment(ref _sleepers);
                while ((g = Volatile.Read(ref _generation)) == seen) Monitor.Wait(_gate);
                Interlocked.Decrement(ref _sleepers);
                return g;
            }
        }
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        Interlocked.Increment(ref _generation);
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (var t in _threads) t.Join();
    }
}
