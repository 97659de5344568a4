using System.Collections.Concurrent;
using System.Threading.Channels;
using Mesh.Contracts;

namespace Mesh.Client;

/// <summary>What became of a reply handed to <see cref="ReplyRouter.Route"/>.</summary>
internal enum RouteOutcome
{
    /// <summary>Queued for the waiting request.</summary>
    Queued,

    /// <summary>The request's queue is full: the transport should deliver it again later.</summary>
    Full,

    /// <summary>No request waits for it (already ended, or not this client's): acknowledge and forget.</summary>
    Unclaimed,
}

/// <summary>
/// Hands each reply arriving on a client's reply topic to the stream waiting for its request: one bounded queue
/// per open request, written by the transport's delivery (any thread) and read by that request's stream only.
/// </summary>
internal sealed class ReplyRouter(int capacity)
{
    /// <summary>Queues of the open requests.</summary>
    private readonly ConcurrentDictionary<RequestId, Channel<ReplyMessage>> _open = new();

    /// <summary>Requests waiting for replies now.</summary>
    public int OpenCount => _open.Count;

    /// <summary>Opens the queue of <paramref name="id"/>; call before publishing the request, so no reply is missed.</summary>
    /// <exception cref="InvalidOperationException">A request with this id is already open.</exception>
    public ChannelReader<ReplyMessage> Open(RequestId id)
    {
        var queue = Channel.CreateBounded<ReplyMessage>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        if (!_open.TryAdd(id, queue))
            throw new InvalidOperationException($"Request {id.Value} is already waiting for replies; request ids must be unique.");
        return queue.Reader;
    }

    /// <summary>Closes the queue of <paramref name="id"/>; later replies are <see cref="RouteOutcome.Unclaimed"/>.</summary>
    public void Close(RequestId id) => _open.TryRemove(id, out _);

    /// <summary>Queues <paramref name="reply"/> for its request.</summary>
    public RouteOutcome Route(ReplyMessage reply)
    {
        if (!_open.TryGetValue(reply.Envelope.RequestId, out Channel<ReplyMessage>? queue)) return RouteOutcome.Unclaimed;
        if (queue.Writer.TryWrite(reply)) return RouteOutcome.Queued;
        return _open.ContainsKey(reply.Envelope.RequestId) ? RouteOutcome.Full : RouteOutcome.Unclaimed;
    }

    /// <summary>Ends every open request's stream with <paramref name="error"/> (the receiver stopped).</summary>
    public void FailAll(Exception error)
    {
        foreach (Channel<ReplyMessage> queue in _open.Values) queue.Writer.TryComplete(error);
    }
}
