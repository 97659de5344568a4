namespace Mesh.Client;

/// <summary>
/// The gateway or the message broker could not be reached, or the connection broke before the answer was complete
/// (connection refused, DNS failure, reset while streaming, reply receiver stopped).
/// </summary>
public sealed class MeshConnectionException : MeshClientException
{
    /// <summary>Creates the exception with its cause.</summary>
    public MeshConnectionException(string message, Exception? innerException) : base(message, innerException) { }
}
