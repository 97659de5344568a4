namespace Mesh.ServiceDefaults.Bus;

/// <summary>Which transport carries the bus.</summary>
public enum MeshBusMode
{
    /// <summary>Bounded channels inside one process (<c>Mesh.Host</c>, tests).</summary>
    InProcess,

    /// <summary>Dapr pub/sub through the sidecar (<c>dapr run -f dapr.yaml</c>, Azure Container Apps).</summary>
    Dapr,
}
