using Microsoft.AspNetCore.Http;

namespace Mesh.KvCache;

/// <summary>Requests about chains of blocks (JSON in, JSON out), and the counters.</summary>
internal static class ChainEndpoints
{
    /// <summary><c>POST /kv/{fingerprint}/lookup</c>: the leading blocks of the chain held in any tier.</summary>
    public static async Task<IResult> LookupAsync(string fingerprint, KvChainRequest chain, TieredBlockStore store, CancellationToken cancellationToken)
    {
        int cached = await store.LookupPrefixAsync(fingerprint, chain.Blocks, cancellationToken);
        return TypedResults.Json(new KvLookupResult(cached), KvCacheJsonContext.Default.KvLookupResult);
    }

    /// <summary><c>POST /kv/{fingerprint}/lease</c>: pins the longest held prefix; answers the <see cref="KvLease"/>.</summary>
    public static async Task<IResult> LeaseAsync(string fingerprint, KvLeaseRequest lease, TieredBlockStore store, CancellationToken cancellationToken)
    {
        KvLease opened = await store.LeaseAsync(fingerprint, lease.Blocks, lease.Ttl, cancellationToken);
        return TypedResults.Json(opened, KvCacheJsonContext.Default.KvLease);
    }

    /// <summary><c>POST /kv/{fingerprint}/release</c>: unpins a lease's blocks.</summary>
    public static async Task<IResult> ReleaseAsync(string fingerprint, KvReleaseRequest release, TieredBlockStore store, CancellationToken cancellationToken)
    {
        bool released = await store.ReleaseAsync(new KvLease(release.LeaseId, fingerprint, 0, default), cancellationToken);
        return TypedResults.Json(new KvReleaseResult(released), KvCacheJsonContext.Default.KvReleaseResult);
    }

    /// <summary><c>GET /kv/stats</c>: the store's <see cref="KvStoreStats"/>.</summary>
    public static async Task<IResult> StatsAsync(TieredBlockStore store, CancellationToken cancellationToken) =>
        TypedResults.Json(await store.GetStatsAsync(cancellationToken), KvCacheJsonContext.Default.KvStoreStats);
}
