using System.Collections.Concurrent;
using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.IntegrationTests.Support;

/// <summary>
/// The test's reply topic: token chunks per request, each sequence number taken once (as the gateway delivers them),
/// until a <see cref="Completed"/> or <see cref="Failed"/> ends the request.
/// </summary>
public sealed class ReplyCollector
{
    private readonly ConcurrentDictionary<RequestId, RequestReplies> _requests = new();

    public RequestReplies For(RequestId id) => _requests.GetOrAdd(id, _ => new RequestReplies());

    public Task<HandlerResult> OnReplyAsync(ReplyMessage reply, CancellationToken cancellationToken)
    {
        For(reply.Envelope.RequestId).Add(reply);
        return Task.FromResult(HandlerResult.Success);
    }
}

/// <summary>What one request's reply stream carried.</summary>
public sealed class RequestReplies
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, TokenChunk> _chunks = new();
    private readonly TaskCompletionSource<ReplyMessage> _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The completed or failed message.</summary>
    public Task<ReplyMessage> End => _end.Task;

    /// <summary>Chunks in sequence order.</summary>
    public TokenChunk[] Chunks
    {
        get
        {
            lock (_gate) return [.. _chunks.Values];
        }
    }

    /// <summary>Chunks that arrived again (same choice and sequence) after the first, e.g. from a resumed decode.</summary>
    public int Duplicates { get; private set; }

    /// <summary>Duplicates whose tokens or text differed from the chunk first taken: must stay empty.</summary>
    public List<(TokenChunk First, TokenChunk Again)> Conflicts { get; } = [];

    /// <summary>Called with every chunk as it arrives (before it is taken), on the bus's delivery thread.</summary>
    public Action<TokenChunk>? OnChunk { get; set; }

    /// <summary>Token ids of every chunk, in order.</summary>
    public int[] TokenIds => [.. Chunks.SelectMany(c => c.TokenIds)];

    /// <summary>Text of every chunk, in order.</summary>
    public string Text => string.Concat(Chunks.Select(c => c.TextDelta));

    internal void Add(ReplyMessage reply)
    {
        switch (reply)
        {
            case TokenChunk chunk:
                OnChunk?.Invoke(chunk);
                lock (_gate)
                {
                    if (_chunks.TryAdd(chunk.Sequence, chunk)) break;
                    Duplicates++;
                    TokenChunk first = _chunks[chunk.Sequence];
                    if (!first.TokenIds.SequenceEqual(chunk.TokenIds) || first.TextDelta != chunk.TextDelta) Conflicts.Add((first, chunk));
                }
                break;
            default:
                _end.TrySetResult(reply);
                break;
        }
    }
}
