using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>A chain of block hashes, first block first (lookup and fetch requests).</summary>
public sealed record KvChainRequest(BlockHash[] Blocks);

/// <summary>Answer of a lookup: the leading blocks held.</summary>
public sealed record KvLookupResult(int Cached);

/// <summary>Lease request: the chain to pin, and for how long (default <see cref="KvCacheOptions.LeaseDefault"/>).</summary>
public sealed record KvLeaseRequest(BlockHash[] Blocks, TimeSpan? Ttl = null);

/// <summary>Release request.</summary>
public sealed record KvReleaseRequest(Guid LeaseId);

/// <summary>Answer of a release: false when the lease had expired or was already released.</summary>
public sealed record KvReleaseResult(bool Released);

/// <summary>Answer of a single-block put: the tier that took it.</summary>
public sealed record KvPutResult(KvTier Tier);

/// <summary>Answer of a multi-block put: blocks read from the stream.</summary>
public sealed record KvPutManyResult(int Blocks);

/// <summary>Every error the data plane answers: a stable code and a message for people.</summary>
public sealed record KvError(string Code, string Message);
