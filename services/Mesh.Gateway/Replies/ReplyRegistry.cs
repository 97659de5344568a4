using System.Collections.Concurrent;
using System.Threading.Channels;
using Mesh.Contracts;
using Microsoft.Extensions.Options;

namespace Mesh.Gateway.Replies;

/// <summary>What became of a reply handed to <see cref="ReplyRegistry.Deliver"/>.</summary>
internal enum ReplyDelivery
{
    /// <summary>Queued for the waiting HTTP request.</summary>
    Delivered,

    /// <summary>No request waits for it (finished, timed out or disconnected): a late reply, dropped.</summary>
    NoWaiter,

    /// <summary>The request's queue is full (a slow reader): ask the bus to deliver it again later.</summary>
    Full,
}

/// <summary>
/// Routes replies arriving on this instance's reply topic to the HTTP request waiting for them, by request id.
/// Each waiting request owns one bounded channel (one reader: the request; writers: the reply-topic handler's
/// deliveries). The owner registers before publishing, so no reply can arrive unrouted, and removes the entry
/// by disposing its <see cref="ReplyRegistration"/>.
/// </summary>
internal sealed class ReplyRegistry(IOptions<GatewayOptions> options)
{
    /// <summary>Waiting requests by id.</summary>
    private readonly ConcurrentDictionary<RequestId, Channel<ReplyMessage>> _waiting = new();

    /// <summary>Requests waiting now.</summary>
    public int Count => _waiting.Count;

    /// <summary>Starts routing replies of <paramref name="id"/> to the returned registration.</summary>
    /// <exception cref="InvalidOperationException">The id is already registered (ids are fresh GUIDs, so this is a bug).</exception>
    public ReplyRegistration Register(RequestId id)
    {
        Channel<ReplyMessage> channel = Channel.CreateBounded<ReplyMessage>(new BoundedChannelOptions(options.Value.ReplyBufferCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        if (!_waiting.TryAdd(id, channel))
            throw new InvalidOperationException($"Request {id} is already waiting for replies on this gateway.");
        return new ReplyRegistration(this, id, channel);
    }

    /// <summary>Queues <paramref name="reply"/> for its request without waiting.</summary>
    public ReplyDelivery Deliver(ReplyMessage reply)
    {
        if (!_waiting.TryGetValue(reply.Envelope.RequestId, out Channel<ReplyMessage>? channel)) return ReplyDelivery.NoWaiter;
        return channel.Writer.TryWrite(reply) ? ReplyDelivery.Delivered : ReplyDelivery.Full;
    }

    /// <summary>Stops routing to <paramref name="channel"/> (only that one: a stale registration never removes a newer one).</summary>
    internal void Remove(RequestId id, Channel<ReplyMessage> channel) =>
        _waiting.TryRemove(KeyValuePair.Create(id, channel));
}

/// <summary>One request's place in the <see cref="ReplyRegistry"/>; dispose to leave.</summary>
internal sealed class ReplyRegistration(ReplyRegistry registry, RequestId id, Channel<ReplyMessage> channel) : IDisposable
{
    /// <summary>Replies of the request, in arrival order (not sequence order).</summary>
    public ChannelReader<ReplyMessage> Reader => channel.Reader;

    public void Dispose() => registry.Remove(id, channel);
}
