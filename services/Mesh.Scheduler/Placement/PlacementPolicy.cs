using Mesh.Contracts;

namespace Mesh.Scheduler.Placement;

/// <summary>
/// Where a stage runs. Prefill: the live prefill worker with the lowest cost in prompt tokens, where cost = tokens
/// it must compute (the prompt less the longest cached prefix it can use: in its own engine, or in the shared KV
/// cache) + <see cref="SchedulerOptions.QueuePenaltyTokens"/> per prefill queued or running on it (+
/// <see cref="SchedulerOptions.DecodePenaltyTokens"/> per decode, when the same engine also decodes). Decode: KV held
/// in a worker's device memory decodes there; otherwise the live, undrained decode worker with a free sequence slot
/// whose free KV blocks fit the whole sequence, with the fewest decodes, then the most free blocks (none fits: the hand-off waits for a report that shows room). Ties go to the lower worker id, so placement is
/// deterministic.
/// </summary>
public sealed class PlacementPolicy(SchedulerOptions options)
{
    /// <summary>The prefill worker for a prompt, or null when no live worker can take it.</summary>
    /// <param name="workers">Known workers.</param>
    /// <param name="chain">The prompt's reusable block chain.</param>
    /// <param name="promptTokens">Prompt length.</param>
    /// <param name="storeCachedBlocks">Leading blocks of the chain the shared KV cache holds.</param>
    /// <param name="prefixes">What each engine's prefix cache holds.</param>
    /// <param name="now">For worker leases.</param>
    public WorkerView? ChoosePrefill(
        IEnumerable<WorkerView> workers, IReadOnlyList<BlockHash> chain, int promptTokens, int storeCachedBlocks, PrefixIndex prefixes, DateTimeOffset now)
    {
        int blocksNeeded = BlocksFor(promptTokens);
        WorkerView? best = null;
        long bestCost = long.MaxValue;
        foreach (WorkerView w in workers)
        {
            if (!w.IsAlive(now) || w.Draining || !w.Serves(WorkerRole.Prefill) || w.TotalKvBlocks < blocksNeeded) continue;
            long cost = PrefillCost(w, chain, promptTokens, storeCachedBlocks, prefixes);
            if (cost < bestCost || (cost == bestCost && best is not null && w.PrefillLoad < best.PrefillLoad))
            {
                best = w;
                bestCost = cost;
            }
        }
        return best;
    }

    /// <summary>Prompt tokens worth of work a prefill on <paramref name="w"/> costs.</summary>
    public long PrefillCost(WorkerView w, IReadOnlyList<BlockHash> chain, int promptTokens, int storeCachedBlocks, PrefixIndex prefixes)
    {
        int cachedBlocks = Math.Max(prefixes.Overlap(w.Id, chain), storeCachedBlocks);
        long compute = promptTokens - (long)cachedBlocks * options.BlockSize;
        long load = (long)options.QueuePenaltyTokens * w.PrefillLoad;
        if (w.Serves(WorkerRole.Decode)) load += (long)options.DecodePenaltyTokens * w.DecodeLoad;
        return compute + load;
    }

    /// <summary>The decode worker for a prefill's hand-off, or null when none can take it now.</summary>
    /// <param name="workers">Known workers.</param>
    /// <param name="kv">The prefill's KV reference.</param>
    /// <param name="totalTokens">Prompt + max_tokens: the KV the decode will hold at most.</param>
    /// <param name="now">For worker leases.</param>
    public WorkerView? ChooseDecode(IEnumerable<WorkerView> workers, KvRef kv, int totalTokens, DateTimeOffset now)
    {
        if (kv.Tier == KvTier.Device)
            return workers.FirstOrDefault(w => w.Id == kv.Owner && w.IsAlive(now) && w.Serves(WorkerRole.Decode));
        int blocksNeeded = BlocksFor(totalTokens);
        WorkerView? best = null;
        foreach (WorkerView w in workers)
        {
            if (!w.IsAlive(now) || w.Draining || !w.Serves(WorkerRole.Decode) || w.TotalKvBlocks < blocksNeeded || !w.HasDecodeRoom) continue;
            if (best is null || DecodeBetter(w, best, blocksNeeded)) best = w;
        }
        return best is not null && best.FreeBlocksEstimate >= blocksNeeded ? best : null;
    }

    /// <summary>Blocks that hold <paramref name="tokens"/> positions.</summary>
    public int BlocksFor(int tokens) => (tokens + options.BlockSize - 1) / options.BlockSize;

    private static bool DecodeBetter(WorkerView a, WorkerView b, int blocksNeeded)
    {
        bool aFits = a.FreeBlocksEstimate >= blocksNeeded, bFits = b.FreeBlocksEstimate >= blocksNeeded;
        if (aFits != bFits) return aFits;
        if (a.DecodeLoad != b.DecodeLoad) return a.DecodeLoad < b.DecodeLoad;
        return a.FreeBlocksEstimate > b.FreeBlocksEstimate;
    }
}
