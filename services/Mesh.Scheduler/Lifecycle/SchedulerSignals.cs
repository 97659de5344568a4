using Mesh.Contracts;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>Time to check deadlines, worker leases and waiting work.</summary>
public sealed record Tick;

/// <summary>A stage message that ran out of deliveries (or was dropped) on <paramref name="Topic"/>.</summary>
public sealed record DeadLettered(string Topic, IRequestMessage Message);
