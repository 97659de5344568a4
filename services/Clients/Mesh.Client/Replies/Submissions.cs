using Mesh.Contracts;

namespace Mesh.Client;

/// <summary>
/// What both pub/sub clients do around their transport: build requests addressed to this client's reply topic,
/// open the request's reply queue before it is published, and hand back its <see cref="MeshReplyStream"/>.
/// </summary>
internal sealed class Submissions
{
    public Submissions(MeshClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Router = new ReplyRouter(options.ReplyBufferCapacity);
    }

    public MeshClientOptions Options { get; }

    /// <summary>Routes replies arriving on the reply topic to their streams.</summary>
    public ReplyRouter Router { get; }

    /// <summary>A new request with a fresh id, attempt 0, this client's tenant and reply topic, due after <see cref="MeshClientOptions.RequestTimeout"/>.</summary>
    public InferenceRequest Create(string model, Prompt prompt, SamplingParameters? sampling, bool stream, Priority priority)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(prompt);
        var envelope = new MessageEnvelope(
            new RequestId("req-" + Guid.NewGuid().ToString("N")),
            Attempt: 0,
            priority,
            Options.Time.GetUtcNow() + Options.RequestTimeout,
            Options.Tenant);
        return new InferenceRequest(envelope, model, prompt, sampling ?? new SamplingParameters(), Options.ReplyTopic, stream);
    }

    /// <summary>Opens the reply queue, publishes with <paramref name="publish"/>, and returns the stream.</summary>
    /// <exception cref="ArgumentException">The request names another reply topic, or asks for no choices.</exception>
    public async Task<MeshReplyStream> SubmitAsync(
        InferenceRequest request,
        Func<InferenceRequest, CancellationToken, Task> publish,
        Func<CancelRequest, CancellationToken, Task> cancel,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ReplyTopic != Options.ReplyTopic)
            throw new ArgumentException(
                $"Request {request.Envelope.RequestId.Value} asks for replies on '{request.ReplyTopic}', but this client listens on '{Options.ReplyTopic}'; build it with CreateRequest.",
                nameof(request));
        if (request.Sampling.N < 1)
            throw new ArgumentException($"Request {request.Envelope.RequestId.Value} asks for {request.Sampling.N} choices; at least 1.", nameof(request));
        RequestId id = request.Envelope.RequestId;
        var replies = Router.Open(id);
        try
        {
            await publish(request, cancellationToken);
        }
        catch
        {
            Router.Close(id);
            throw;
        }
        return new MeshReplyStream(request, replies, Router, cancel, Options.Time);
    }
}
