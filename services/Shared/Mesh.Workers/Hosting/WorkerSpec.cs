using Mesh.Contracts;

namespace Mesh.Workers.Hosting;

/// <summary>
/// One engine worker of a process: its id (and so its topics), the roles it starts with, and the roles the scheduler
/// may move it to (elastic roles; by default only its roles). It subscribes to the topics of every capability.
/// </summary>
public sealed record WorkerSpec(WorkerId Id, WorkerRole[] Roles, WorkerRole[]? Capabilities = null)
{
    /// <summary>Roles it can serve: <see cref="Roles"/> plus any it may be moved to.</summary>
    public WorkerRole[] CanServe => [.. Roles.Union(Capabilities ?? [])];

    /// <summary>Whether the scheduler may move it between roles.</summary>
    public bool Elastic => CanServe.Length > Roles.Length;

    /// <summary>Whether it can serve <paramref name="role"/> (now or after a move).</summary>
    public bool Can(WorkerRole role) => Array.IndexOf(CanServe, role) >= 0;

    /// <summary>Whether the worker serves <paramref name="role"/>.</summary>
    public bool Serves(WorkerRole role) => Array.IndexOf(Roles, role) >= 0;
}
