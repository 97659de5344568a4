namespace Mesh.Client;

/// <summary>
/// An answer or message could not be read as what the Mesh protocol says it is: a success body that is not the
/// expected JSON, an event stream without <c>data: [DONE]</c>, a reply that is not a CloudEvent carrying a
/// <c>ReplyMessage</c>.
/// </summary>
public sealed class MeshProtocolException : MeshClientException
{
    /// <summary>Creates the exception.</summary>
    public MeshProtocolException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public MeshProtocolException(string message, Exception? innerException) : base(message, innerException) { }
}
