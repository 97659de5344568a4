using Mesh.Contracts;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>Time to check deadlines, worker leases and waiting work.</summary>
public sealed record Tick;

/// <summary>A stage message that ran out of deliveries (or was dropped) on <paramref name="Topic"/>.</summary>
public sealed record DeadLettered(string Topic, IRequestMessage Message);

/// <summary>
/// An operator's scheduler restart (<c>POST /admin/scheduler/restart</c>): the loop drops every in-memory state, as a
/// process that died would, and recovers the requests from the journal; <paramref name="Done"/> completes with how
/// many it recovered.
/// </summary>
public sealed record SchedulerRestart(TaskCompletionSource<int> Done);
