using Mesh.Contracts;

namespace Mesh.Workers.Hosting;

/// <summary>One engine worker of a process: its id (and so its topics) and the roles it serves.</summary>
public sealed record WorkerSpec(WorkerId Id, WorkerRole[] Roles)
{
    /// <summary>Whether the worker serves <paramref name="role"/>.</summary>
    public bool Serves(WorkerRole role) => Array.IndexOf(Roles, role) >= 0;
}
