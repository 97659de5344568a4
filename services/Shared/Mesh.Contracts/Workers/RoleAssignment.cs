namespace Mesh.Contracts;

/// <summary>
/// The scheduler moves a worker between roles it is capable of (elastic roles): from now on the worker reports
/// <paramref name="Roles"/> and its prefills hand KV off as a worker of those roles does. Work it already has runs
/// to the end. Sent on <c>Topics.ForWorker(Topics.WorkerRoles, worker)</c>.
/// </summary>
/// <param name="Worker">The worker.</param>
/// <param name="Roles">Its roles from now on; a subset of the capabilities it reported.</param>
/// <param name="Reason">Why, for logs.</param>
/// <param name="At">When the scheduler decided (a worker ignores an assignment older than the last one it took).</param>
public sealed record RoleAssignment(WorkerId Worker, WorkerRole[] Roles, string Reason, DateTimeOffset At);
