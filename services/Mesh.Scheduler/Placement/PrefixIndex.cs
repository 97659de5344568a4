using Mesh.Contracts;

namespace Mesh.Scheduler.Placement;

/// <summary>
/// Which prompt blocks each worker's engine holds in its prefix cache, as far as the scheduler can tell: a worker
/// that prefilled a prompt holds its full blocks afterwards (they stay revivable in its pool until reused). Kept per
/// worker as a least-recently-used set no larger than the worker's KV pool, so blocks the pool must have evicted
/// fall out here too. An approximation: a stale entry costs a slightly worse placement, never a wrong token.
/// Owned by the scheduler loop.
/// </summary>
public sealed class PrefixIndex
{
    private readonly Dictionary<WorkerId, LruSet> _byWorker = new();

    /// <summary>Records that <paramref name="worker"/> now holds <paramref name="chain"/>, keeping at most <paramref name="capacity"/> blocks for it.</summary>
    public void Record(WorkerId worker, IReadOnlyList<BlockHash> chain, int capacity)
    {
        if (!_byWorker.TryGetValue(worker, out LruSet? set))
        {
            set = new LruSet();
            _byWorker.Add(worker, set);
        }
        // Touched tail first, so a prefix outlives its tail here as in the engine's pool (which frees tails first).
        for (int i = chain.Count - 1; i >= 0; i--) set.Touch(chain[i]);
        set.TrimTo(Math.Max(0, capacity));
    }

    /// <summary>Leading blocks of <paramref name="chain"/> <paramref name="worker"/> holds.</summary>
    public int Overlap(WorkerId worker, IReadOnlyList<BlockHash> chain)
    {
        if (!_byWorker.TryGetValue(worker, out LruSet? set)) return 0;
        int n = 0;
        while (n < chain.Count && set.Contains(chain[n])) n++;
        return n;
    }

    /// <summary>Blocks recorded for <paramref name="worker"/>.</summary>
    public int Count(WorkerId worker) => _byWorker.TryGetValue(worker, out LruSet? set) ? set.Count : 0;

    /// <summary>Drops a lost worker.</summary>
    public void Forget(WorkerId worker) => _byWorker.Remove(worker);

    /// <summary>Hashes in use order, least recent first.</summary>
    private sealed class LruSet
    {
        private readonly LinkedList<BlockHash> _order = new();
        private readonly Dictionary<BlockHash, LinkedListNode<BlockHash>> _nodes = new();

        public int Count => _nodes.Count;

        public bool Contains(BlockHash hash) => _nodes.ContainsKey(hash);

        public void Touch(BlockHash hash)
        {
            if (_nodes.TryGetValue(hash, out LinkedListNode<BlockHash>? node)) _order.Remove(node);
            _nodes[hash] = _order.AddLast(hash);
        }

        public void TrimTo(int capacity)
        {
            while (_nodes.Count > capacity)
            {
                _nodes.Remove(_order.First!.Value);
                _order.RemoveFirst();
            }
        }
    }
}
