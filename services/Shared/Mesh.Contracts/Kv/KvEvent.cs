using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>
/// Change in the blocks a worker holds, feeding the scheduler's prefix index (closed set, JSON
/// discriminator <c>"kind"</c>). <see cref="EventId"/> increases by one per worker, so a gap shows a lost
/// event and the scheduler re-syncs that worker.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(KvBlocksStored), "stored")]
[JsonDerivedType(typeof(KvBlocksRemoved), "removed")]
[JsonDerivedType(typeof(KvCacheCleared), "cleared")]
public abstract record KvEvent(WorkerId Worker, long EventId, DateTimeOffset At);

/// <summary>Blocks became available on a worker.</summary>
/// <param name="Worker">Holder of the blocks.</param>
/// <param name="EventId">Per-worker event number.</param>
/// <param name="At">When.</param>
/// <param name="ModelFingerprint">Model whose KV they are.</param>
/// <param name="Tier">Where they are held.</param>
/// <param name="Blocks">Stored blocks, in chain order.</param>
/// <param name="Parent">Hash of the block preceding <paramref name="Blocks"/>[0]; null (omitted) when they start the sequence.</param>
public sealed record KvBlocksStored(
    WorkerId Worker,
    long EventId,
    DateTimeOffset At,
    string ModelFingerprint,
    KvTier Tier,
    BlockHash[] Blocks,
    BlockHash? Parent = null) : KvEvent(Worker, EventId, At);

/// <summary>Blocks were evicted from a tier of a worker.</summary>
public sealed record KvBlocksRemoved(WorkerId Worker, long EventId, DateTimeOffset At, KvTier Tier, BlockHash[] Blocks)
    : KvEvent(Worker, EventId, At);

/// <summary>A worker dropped all its blocks (restart, model change).</summary>
public sealed record KvCacheCleared(WorkerId Worker, long EventId, DateTimeOffset At) : KvEvent(Worker, EventId, At);
