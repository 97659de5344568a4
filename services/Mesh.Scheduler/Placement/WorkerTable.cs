using Mesh.Contracts;

namespace Mesh.Scheduler.Placement;

/// <summary>Every worker the scheduler has heard from, by id. Owned by the scheduler loop.</summary>
public sealed class WorkerTable
{
    private readonly Dictionary<WorkerId, WorkerView> _workers = new();

    /// <summary>All known workers, alive or not, in id order (placement breaks ties by it).</summary>
    public IEnumerable<WorkerView> All => _workers.Values.OrderBy(w => w.Id.Value, StringComparer.Ordinal);

    /// <summary>The view of <paramref name="id"/>, or null when unknown.</summary>
    public WorkerView? Find(WorkerId id) => _workers.GetValueOrDefault(id);

    /// <summary>Takes a report; returns the worker's view.</summary>
    public WorkerView Report(WorkerLoadReport report)
    {
        if (!_workers.TryGetValue(report.Worker, out WorkerView? view))
        {
            view = new WorkerView(report.Worker);
            _workers.Add(report.Worker, view);
        }
        view.Update(report);
        return view;
    }

    /// <summary>Removes workers whose lease ran out and returns them.</summary>
    public List<WorkerView> RemoveExpired(DateTimeOffset now)
    {
        List<WorkerView> lost = [.. _workers.Values.Where(w => !w.IsAlive(now))];
        foreach (WorkerView w in lost) _workers.Remove(w.Id);
        return lost;
    }

    /// <summary>Whether some live worker serves <paramref name="role"/>.</summary>
    public bool AnyAlive(WorkerRole role, DateTimeOffset now) => _workers.Values.Any(w => w.IsAlive(now) && w.Serves(role));
}
