namespace Mesh.Contracts;

/// <summary>Backlog of one role on one worker.</summary>
/// <param name="Role">The role.</param>
/// <param name="Queued">Tasks accepted but not started.</param>
/// <param name="Running">Tasks (sequences) in progress.</param>
public sealed record RoleQueueDepth(WorkerRole Role, int Queued, int Running);
