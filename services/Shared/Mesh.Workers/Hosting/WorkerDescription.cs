using Mesh.Contracts;

namespace Mesh.Workers.Hosting;

/// <summary>One engine worker as operators see it (<c>GET /admin/workers</c>).</summary>
/// <param name="Id">Worker id.</param>
/// <param name="Roles">Roles it serves.</param>
/// <param name="State"><c>serving</c>, <c>draining</c> or <c>dead</c>.</param>
/// <param name="Requests">Requests its engine runs or holds KV for now.</param>
public sealed record WorkerDescription(WorkerId Id, WorkerRole[] Roles, string State, RequestId[] Requests);
