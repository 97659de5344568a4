using Azure.Messaging.ServiceBus;
using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Client;

/// <summary>
/// Submits <see cref="InferenceRequest"/>s straight to Azure Service Bus, where Mesh's Dapr pub/sub lives on Azure:
/// each request goes to the <c>mesh.requests</c> topic as a structured CloudEvent (<c>MessageId</c> = request id, for
/// duplicate detection; application properties <c>priority</c> and <c>tenant</c>; time-to-live = the time left to
/// its deadline), and replies are received from the subscription <see cref="ReplySubscription"/> of the topic
/// <c>mesh.replies.&lt;ClientId&gt;</c>, as the CloudEvents Dapr publishes there. That subscription must exist; its
/// name is the client id unless given. The caller owns the <see cref="ServiceBusClient"/>.
/// </summary>
public sealed class ServiceBusSubmitter : IAsyncDisposable
{
    /// <summary>Messages taken from the reply subscription per receive call.</summary>
    private const int ReceiveBatchSize = 64;

    private readonly Submissions _submissions;
    private readonly ServiceBusSender _requests;
    private readonly ServiceBusSender _cancellations;
    private readonly ServiceBusReceiver _replies;

    /// <summary>Stops the receive loop.</summary>
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Guards <see cref="_receiving"/>.</summary>
    private readonly Lock _gate = new();

    /// <summary>The receive loop; started by the first submission, restarted after a fault.</summary>
    private Task? _receiving;

    /// <summary>A submitter over <paramref name="client"/>.</summary>
    /// <param name="client">Connected to the namespace Mesh's pub/sub component uses.</param>
    /// <param name="options">Client id (names the reply topic), tenant, request timeout.</param>
    /// <param name="replySubscription">Subscription of the reply topic to receive from; default the client id.</param>
    public ServiceBusSubmitter(ServiceBusClient client, MeshClientOptions options, string? replySubscription = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _submissions = new Submissions(options);
        ReplySubscription = replySubscription ?? options.ClientId;
        _requests = client.CreateSender(Topics.Requests);
        _cancellations = client.CreateSender(Topics.Cancellations);
        _replies = client.CreateReceiver(options.ReplyTopic, ReplySubscription);
    }

    /// <summary>This client's id.</summary>
    public string ClientId => _submissions.Options.ClientId;

    /// <summary>The topic replies arrive on.</summary>
    public string ReplyTopic => _submissions.Options.ReplyTopic;

    /// <summary>The subscription of <see cref="ReplyTopic"/> replies are received from.</summary>
    public string ReplySubscription { get; }

    /// <summary>CloudEvent <c>source</c> of this client's messages: <c>/mesh/clients/&lt;ClientId&gt;</c>.</summary>
    public string Source => "/mesh/clients/" + ClientId;

    /// <summary>See <see cref="MeshBusClient.CreateRequest"/>.</summary>
    public InferenceRequest CreateRequest(string model, Prompt prompt, SamplingParameters? sampling = null, bool stream = true, Priority priority = Priority.Online) =>
        _submissions.Create(model, prompt, sampling, stream, priority);

    /// <summary>
    /// The Service Bus message for <paramref name="request"/>: body a structured CloudEvent (<c>id</c> and
    /// <c>MessageId</c> = request id, type <c>mesh.InferenceRequest</c>, data the request's JSON), content type
    /// <c>application/cloudevents+json</c>, application properties <c>priority</c> (<c>online</c>/<c>offline</c>) and
    /// <c>tenant</c>, time-to-live the time left to the deadline.
    /// </summary>
    public ServiceBusMessage CreateMessage(InferenceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        MessageEnvelope envelope = request.Envelope;
        string id = envelope.RequestId.Value;
        DateTimeOffset now = _submissions.Options.Time.GetUtcNow();
        var message = new ServiceBusMessage(MeshCloudEvents.Write(request, MeshJsonContext.Default.InferenceRequest, id, Source, now))
        {
            ContentType = MeshCloudEvents.ContentType,
            MessageId = id,
        };
        message.ApplicationProperties["priority"] = envelope.Priority == Priority.Offline ? "offline" : "online";
        message.ApplicationProperties["tenant"] = envelope.TenantId.Value;
        TimeSpan left = envelope.Deadline - now;
        if (left > TimeSpan.Zero) message.TimeToLive = left;
        return message;
    }

    /// <summary>
    /// Sends <paramref name="request"/> to <c>mesh.requests</c> and returns the stream of its replies (the receive
    /// loop starts with the first submission). Dispose the stream when done: one left unfinished sends a
    /// <see cref="CancelRequest"/> to <c>mesh.cancellations</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The request's reply topic is not this client's.</exception>
    /// <exception cref="MeshConnectionException">Service Bus refused the message.</exception>
    public Task<MeshReplyStream> SubmitAsync(InferenceRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        EnsureReceiving();
        return _submissions.SubmitAsync(request, SendRequestAsync, SendCancelAsync, cancellationToken);
    }

    /// <summary>Submits <paramref name="request"/> and collects its whole answer.</summary>
    /// <exception cref="MeshRequestFailedException">The mesh failed the request, or its deadline passed.</exception>
    public async Task<MeshCompletion> CompleteAsync(InferenceRequest request, CancellationToken cancellationToken = default)
    {
        await using MeshReplyStream replies = await SubmitAsync(request, cancellationToken);
        return await replies.CollectAsync(cancellationToken);
    }

    /// <summary>Stops receiving (open streams end with <see cref="MeshConnectionException"/>) and closes the sender and receiver.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        await _stopping.CancelAsync();
        Task? receiving;
        lock (_gate) receiving = _receiving;
        if (receiving is not null) await receiving;
        _submissions.Router.FailAll(new ObjectDisposedException(nameof(ServiceBusSubmitter), "The Service Bus submitter was disposed."));
        await _replies.DisposeAsync();
        await _requests.DisposeAsync();
        await _cancellations.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>
    /// Settles one received message: a reply for a waiting request is queued and completed (abandoned when that
    /// request's queue is full, so Service Bus delivers it again); a reply nobody waits for is completed; a body
    /// that is not a Mesh reply is dead-lettered.
    /// </summary>
    internal async Task SettleAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken)
    {
        ReplyMessage reply;
        try
        {
            reply = MeshCloudEvents.ReadReply(message.Body);
        }
        catch (MeshProtocolException ex)
        {
            await _replies.DeadLetterMessageAsync(message, "NotAMeshReply", ex.Message, cancellationToken);
            return;
        }
        if (_submissions.Router.Route(reply) == RouteOutcome.Full)
            await _replies.AbandonMessageAsync(message, cancellationToken: cancellationToken);
        else
            await _replies.CompleteMessageAsync(message, cancellationToken);
    }

    private void EnsureReceiving()
    {
        lock (_gate)
        {
            if (_receiving is { IsCompleted: false }) return;
            CancellationToken stop = _stopping.Token;
            _receiving = Task.Run(() => ReceiveAsync(stop), CancellationToken.None);
        }
    }

    /// <summary>Receives and settles replies until disposal; a fault ends every open stream with it.</summary>
    private async Task ReceiveAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                IReadOnlyList<ServiceBusReceivedMessage> batch = await _replies.ReceiveMessagesAsync(ReceiveBatchSize, cancellationToken: stop);
                foreach (ServiceBusReceivedMessage message in batch)
                {
                    try
                    {
                        await SettleAsync(message, stop);
                    }
                    catch (ServiceBusException ex) when (ex.IsTransient || ex.Reason == ServiceBusFailureReason.MessageLockLost)
                    {
                        // The message comes again; its chunk is then dropped as a repeat or taken in order.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _submissions.Router.FailAll(new MeshConnectionException(
                $"Receiving replies from {ReplyTopic}/{ReplySubscription} failed: {ex.Message}", ex));
        }
    }

    private async Task SendRequestAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await _requests.SendMessageAsync(CreateMessage(request), cancellationToken);
        }
        catch (Exception ex) when (ex is ServiceBusException or UnauthorizedAccessException)
        {
            throw new MeshConnectionException($"Sending request {request.Envelope.RequestId.Value} to {Topics.Requests} failed: {ex.Message}", ex);
        }
    }

    private Task SendCancelAsync(CancelRequest cancel, CancellationToken cancellationToken)
    {
        string id = DeliveryKey.Of(cancel).ToString();
        DateTimeOffset now = _submissions.Options.Time.GetUtcNow();
        var message = new ServiceBusMessage(MeshCloudEvents.Write(cancel, MeshJsonContext.Default.CancelRequest, id, Source, now))
        {
            ContentType = MeshCloudEvents.ContentType,
            MessageId = id,
        };
        return _cancellations.SendMessageAsync(message, cancellationToken);
    }
}
