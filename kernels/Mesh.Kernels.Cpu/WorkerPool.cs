using Mesh.Kernels;

namespace Mesh.Kernels.Cpu;

/// <summary>One persistent set of threads sized to the cores. The calling thread takes part in every
/// run; items are handed out in chunks through one atomic counter, so the hot loop takes no lock.
/// Runs are not re-entrant: exactly one thread (the engine loop) calls <see cref="Run"/>.</summary>
public sealed class WorkerPool : IDisposable
{
    /// <summary>Helper threads (Threads − 1 of them; the caller is the last worker).</summary>
    private readonly Thread[] _threads;
    /// <summary>One wake-up signal per helper thread.</summary>
    private readonly ManualResetEventSlim[] _wake;
    /// <summary>The run in progress; written before the wake-ups, read by helpers after waking.</summary>
    private IParallelWork? _work;
    private int _count;
    private int _chunk;
    /// <summary>Next unclaimed item; advanced with Interlocked.Add.</summary>
    private int _next;
    /// <summary>Helpers still inside the current run.</summary>
    private int _busy;
    private volatile bool _stopping;
    /// <summary>First fault thrown inside a helper during the current run; rethrown by <see cref="Run"/>.</summary>
    private Exception? _fault;

    public int Threads { get; }

    public WorkerPool(int threads)
    {
        Threads = Math.Max(1, threads);
        _threads = new Thread[Threads - 1];
        _wake = new ManualResetEventSlim[Threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new ManualResetEventSlim(false, spinCount: 2000);
            int index = i;
            _threads[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"mesh-worker-{i + 1}" };
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
        _count = count;
        _chunk = Math.Max(grain, (count + Threads * 4 - 1) / (Threads * 4));
        _next = 0;
        _fault = null;
        Volatile.Write(ref _busy, _threads.Length);
        foreach (var w in _wake) w.Set();
        Drain();
        var spin = new SpinWait();
        while (Volatile.Read(ref _busy) != 0) spin.SpinOnce(sleep1Threshold: -1);
        _work = null;
        if (_fault is { } fault) throw new AggregateException("a worker thread failed", fault);
    }

    private void Drain()
    {
        var work = _work!;
        int count = _count, chunk = _chunk;
        while (true)
        {
            int begin = Interlocked.Add(ref _next, chunk) - chunk;
            if (begin >= count) return;
            work.Run(begin, Math.Min(begin + chunk, count));
        }
    }

    private void Loop(int index)
    {
        var wake = _wake[index];
        while (true)
        {
            wake.Wait();
            wake.Reset();
            if (_stopping) return;
            try { Drain(); }
            catch (Exception ex) { Interlocked.CompareExchange(ref _fault, ex, null); }
            Interlocked.Decrement(ref _busy);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var w in _wake) w.Set();
        foreach (var t in _threads) t.Join();
        foreach (var w in _wake) w.Dispose();
    }
}
