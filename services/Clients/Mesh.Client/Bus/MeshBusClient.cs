using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Client;

/// <summary>
/// Submits <see cref="InferenceRequest"/>s straight onto the mesh's pub/sub, without the gateway: it publishes on
/// <c>mesh.requests</c> through the bus seam <see cref="IMeshBus"/> (the Dapr sidecar under Dapr, channels
/// in-process) and reads the replies from its own topic <c>mesh.replies.&lt;ClientId&gt;</c>, which
/// <see cref="MeshBusClientExtensions.AddMeshBusClient"/> subscribes. Register it there and resolve it from DI;
/// thread-safe.
/// </summary>
public sealed class MeshBusClient
{
    private readonly IMeshBus _bus;
    private readonly Submissions _submissions;

    internal MeshBusClient(IMeshBus bus, Submissions submissions)
    {
        _bus = bus;
        _submissions = submissions;
    }

    /// <summary>This client's id.</summary>
    public string ClientId => _submissions.Options.ClientId;

    /// <summary>The topic this client's replies arrive on.</summary>
    public string ReplyTopic => _submissions.Options.ReplyTopic;

    /// <summary>Requests waiting for replies now.</summary>
    public int PendingCount => _submissions.Router.OpenCount;

    /// <summary>
    /// A request with a fresh id (<c>req-&lt;32 hex&gt;</c>), attempt 0, this client's tenant, reply topic and
    /// deadline (<see cref="MeshClientOptions.RequestTimeout"/> from now). Change it with <c>with</c> before submitting.
    /// </summary>
    /// <param name="model">Served model name.</param>
    /// <param name="prompt"><see cref="ChatPrompt"/>, <see cref="TextPrompt"/> or <see cref="TokenPrompt"/>.</param>
    /// <param name="sampling">Sampling parameters; null for the defaults.</param>
    /// <param name="stream">True: one chunk per decode step; false: one chunk with every token.</param>
    /// <param name="priority">Online (interactive) or offline (batch).</param>
    public InferenceRequest CreateRequest(string model, Prompt prompt, SamplingParameters? sampling = null, bool stream = true, Priority priority = Priority.Online) =>
        _submissions.Create(model, prompt, sampling, stream, priority);

    /// <summary>
    /// Publishes <paramref name="request"/> on <c>mesh.requests</c> and returns the stream of its replies. Dispose the
    /// stream when done: one left unfinished cancels the request in the mesh.
    /// </summary>
    /// <exception cref="ArgumentException">The request's reply topic is not this client's.</exception>
    /// <exception cref="MeshConnectionException">The bus refused the request.</exception>
    public Task<MeshReplyStream> SubmitAsync(InferenceRequest request, CancellationToken cancellationToken = default) =>
        _submissions.SubmitAsync(request, PublishRequestAsync, PublishCancelAsync, cancellationToken);

    /// <summary>Submits <paramref name="request"/> and collects its whole answer.</summary>
    /// <exception cref="MeshRequestFailedException">The mesh failed the request, or its deadline passed.</exception>
    public async Task<MeshCompletion> CompleteAsync(InferenceRequest request, CancellationToken cancellationToken = default)
    {
        await using MeshReplyStream replies = await SubmitAsync(request, cancellationToken);
        return await replies.CollectAsync(cancellationToken);
    }

    private async Task PublishRequestAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await _bus.PublishAsync(Topics.Requests, request, cancellationToken);
        }
        catch (MeshBusException ex)
        {
            throw new MeshConnectionException($"Publishing request {request.Envelope.RequestId.Value} on {Topics.Requests} failed: {ex.Message}", ex);
        }
    }

    private Task PublishCancelAsync(CancelRequest cancel, CancellationToken cancellationToken) =>
        _bus.PublishAsync(Topics.Cancellations, cancel, cancellationToken);

    /// <summary>The reply topic's handler: queues each reply for its request.</summary>
    internal static Task<HandlerResult> HandleReplyAsync(ReplyRouter router, ReplyMessage reply) =>
        Task.FromResult(router.Route(reply) switch
        {
            RouteOutcome.Full => HandlerResult.Retry,
            _ => HandlerResult.Success,
        });
}
