namespace Mesh.Contracts;

/// <summary>
/// Carried by every request-scoped message. Handlers are idempotent on (<see cref="RequestId"/>,
/// <see cref="Attempt"/>); a result from an older attempt than the scheduler's current one is ignored.
/// </summary>
/// <param name="RequestId">The request this message belongs to.</param>
/// <param name="Attempt">Epoch of the stage that produced or should consume this message; the scheduler bumps it on every retry or migration.</param>
/// <param name="Priority">Online or offline admission class.</param>
/// <param name="Deadline">Absolute time after which the work is worthless to the client.</param>
/// <param name="TenantId">Trust boundary for KV sharing and quotas.</param>
public sealed record MessageEnvelope(RequestId RequestId, int Attempt, Priority Priority, DateTimeOffset Deadline, TenantId TenantId);
