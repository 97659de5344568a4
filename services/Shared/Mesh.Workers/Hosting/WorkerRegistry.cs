using Mesh.Contracts;

namespace Mesh.Workers.Hosting;

/// <summary>
/// The engine workers of this process by id. Bus subscriptions are declared before the workers exist (the model
/// loads at start), so a delivery that arrives first waits here until its worker is built.
/// </summary>
public sealed class WorkerRegistry
{
    /// <summary>One slot per configured worker; completed once when the worker is built, or faulted when start fails.</summary>
    private readonly Dictionary<WorkerId, TaskCompletionSource<EngineWorker>> _slots;

    public WorkerRegistry(IReadOnlyList<WorkerSpec> specs)
    {
        if (specs.Count == 0) throw new ArgumentException("a worker process needs at least one worker", nameof(specs));
        WorkerSpec? noRole = specs.FirstOrDefault(s => s.Roles.Length == 0);
        if (noRole is not null) throw new ArgumentException($"worker {noRole.Id} has no role", nameof(specs));
        var duplicate = specs.GroupBy(s => s.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"worker id {duplicate.Key} is used twice", nameof(specs));
        Specs = specs;
        _slots = specs.ToDictionary(s => s.Id, _ => new TaskCompletionSource<EngineWorker>(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>The configured workers.</summary>
    public IReadOnlyList<WorkerSpec> Specs { get; }

    /// <summary>The worker, once built.</summary>
    public Task<EngineWorker> GetAsync(WorkerId id, CancellationToken cancellationToken) =>
        _slots.TryGetValue(id, out var slot)
            ? slot.Task.WaitAsync(cancellationToken)
            : throw new KeyNotFoundException($"no worker {id} in this process");

    /// <summary>The workers built so far, in configuration order.</summary>
    public IReadOnlyList<EngineWorker> Built =>
        [.. Specs.Select(s => _slots[s.Id].Task).Where(t => t.IsCompletedSuccessfully).Select(t => t.Result)];

    /// <summary>The worker with <paramref name="id"/> once built, or null.</summary>
    public EngineWorker? Find(WorkerId id) =>
        _slots.TryGetValue(id, out var slot) && slot.Task.IsCompletedSuccessfully ? slot.Task.Result : null;

    internal void Add(EngineWorker worker) => _slots[worker.Id].TrySetResult(worker);

    internal void FailAll(Exception error)
    {
        foreach (var slot in _slots.Values) slot.TrySetException(error);
    }
}
