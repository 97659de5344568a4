using System.Buffers;
using Mesh.Contracts;

namespace Mesh.Client;

/// <summary>
/// Settings of a pub/sub client (<see cref="MeshBusClient"/>, <see cref="ServiceBusSubmitter"/>). The client id
/// names the reply topic, <c>mesh.replies.&lt;ClientId&gt;</c>: exactly one running process may use an id, since
/// the processes of one id would compete for each other's replies.
/// </summary>
public sealed record MeshClientOptions
{
    /// <summary>Longest client id (Service Bus entity names allow 260 characters; the gateway's ids stop at 100).</summary>
    public const int MaxClientIdLength = 100;

    private static readonly SearchValues<char> IdCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789._-");

    /// <summary>Names the reply topic; <c>[a-z0-9._-]</c>, at most 100 characters.</summary>
    public required string ClientId { get; init; }

    /// <summary>Tenant of the requests: the trust boundary for KV sharing. Default <c>default</c>, the gateway's tenant without keys.</summary>
    public TenantId Tenant { get; init; } = new("default");

    /// <summary>Deadline of a request made by <c>CreateRequest</c>, from now; the stream gives up at the deadline.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Replies queued per waiting request before the transport is asked to redeliver (reader too slow).</summary>
    public int ReplyBufferCapacity { get; init; } = 1024;

    /// <summary>Clock for deadlines.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The topic replies to this client arrive on.</summary>
    public string ReplyTopic => Topics.RepliesFor(ClientId);

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrEmpty(ClientId) || ClientId.Length > MaxClientIdLength || ClientId.AsSpan().ContainsAnyExcept(IdCharacters))
            throw new ArgumentException($"{nameof(ClientId)} must be 1 to {MaxClientIdLength} characters of [a-z0-9._-], was '{ClientId}'.");
        if (string.IsNullOrEmpty(Tenant.Value))
            throw new ArgumentException($"{nameof(Tenant)} must not be empty.");
        if (RequestTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"{nameof(RequestTimeout)} must be positive, was {RequestTimeout}.");
        if (ReplyBufferCapacity < 1)
            throw new ArgumentException($"{nameof(ReplyBufferCapacity)} must be at least 1, was {ReplyBufferCapacity}.");
        ArgumentNullException.ThrowIfNull(Time);
    }
}
