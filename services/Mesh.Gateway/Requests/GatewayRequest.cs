using Mesh.Contracts;

namespace Mesh.Gateway.Requests;

/// <summary>A validated HTTP request, as published, plus what only the HTTP side needs.</summary>
/// <param name="Message">What goes on <see cref="Topics.Requests"/>; its request id is also the OpenAI response id.</param>
/// <param name="IncludeUsage"><c>stream_options.include_usage</c>.</param>
/// <param name="Created">Unix seconds, the responses' <c>created</c>.</param>
/// <param name="User">The client's <c>user</c> field, for logs only.</param>
internal sealed record GatewayRequest(InferenceRequest Message, bool IncludeUsage, long Created, string? User)
{
    public RequestId Id => Message.Envelope.RequestId;

    public int ChoiceCount => Message.Sampling.N;
}
