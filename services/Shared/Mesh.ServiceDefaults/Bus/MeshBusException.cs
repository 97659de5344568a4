namespace Mesh.ServiceDefaults.Bus;

/// <summary>A bus operation failed; the message names the topic and what went wrong.</summary>
public sealed class MeshBusException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MeshBusException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public MeshBusException(string message, Exception innerException) : base(message, innerException) { }
}
