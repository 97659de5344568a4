using System.Collections.Concurrent;

namespace Mesh.Tests.Support;

/// <summary>What a handler or subscriber saw, thread-safe, with a wait for "at least n entries".</summary>
internal sealed class MessageLog<T>
{
    private readonly ConcurrentQueue<T> _entries = new();
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];

    public IReadOnlyList<T> Entries => [.. _entries];

    public int Count => _entries.Count;

    public T Single() => Assert.Single(_entries);

    public T Last() => _entries.Last();

    public void Add(T entry)
    {
        _entries.Enqueue(entry);
        lock (_gate)
        {
            foreach ((int count, TaskCompletionSource signal) in _waiters)
                if (_entries.Count >= count) signal.TrySetResult();
        }
    }

    /// <summary>Completes once <paramref name="count"/> entries arrived; fails after 10 s naming how many did.</summary>
    public async Task WaitForAsync(int count)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_entries.Count >= count) return;
            _waiters.Add((count, signal));
        }
        try
        {
            await signal.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Expected {count} {typeof(T).Name} entries within 10 s, saw {_entries.Count}.");
        }
    }
}
