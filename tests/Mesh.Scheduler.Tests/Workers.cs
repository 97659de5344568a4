using Mesh.Contracts;

namespace Mesh.Scheduler.Tests;

/// <summary>Load reports as workers send them.</summary>
internal static class Workers
{
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static WorkerLoadReport Report(
        string id, WorkerRole[] roles, int prefill = 0, int decode = 0, int free = 1000, int total = 1000, TimeSpan? lease = null) =>
        new(new WorkerId(id), roles,
            [new RoleQueueDepth(WorkerRole.Prefill, 0, prefill), new RoleQueueDepth(WorkerRole.Decode, 0, decode)],
            prefill + decode, free, total, Now, Now + (lease ?? TimeSpan.FromSeconds(3)));

    public static WorkerLoadReport Prefill(string id, int prefill = 0, int total = 1000) => Report(id, [WorkerRole.Prefill], prefill: prefill, total: total);

    public static WorkerLoadReport Decode(string id, int decode = 0, int free = 1000, int total = 1000) =>
        Report(id, [WorkerRole.Decode], decode: decode, free: free, total: total);

    public static WorkerLoadReport Colocated(string id, int prefill = 0, int decode = 0) =>
        Report(id, [WorkerRole.Prefill, WorkerRole.Decode], prefill, decode);
}
