namespace Mesh.Client;

/// <summary>
/// Base of every error the Mesh client raises for a request that did not succeed: the gateway answered an error
/// (<see cref="MeshApiException"/>), it could not be reached (<see cref="MeshConnectionException"/>), its answer
/// could not be read (<see cref="MeshProtocolException"/>), or the mesh failed the request on the bus
/// (<see cref="MeshRequestFailedException"/>). Catch this type to handle them all.
/// </summary>
public abstract class MeshClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected MeshClientException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    protected MeshClientException(string message, Exception? innerException) : base(message, innerException) { }
}
