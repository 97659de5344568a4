using Mesh.Contracts;

namespace Mesh.Gateway.Replies;

/// <summary>
/// Puts the token chunks of one choice in sequence order and lets each through once. Chunks are numbered from 0
/// without gaps across attempts (<see cref="TokenChunk.Sequence"/>): one below <see cref="Next"/> is a duplicate
/// (redelivery, or a migrated decode repeating itself) and is dropped; one above it waits until the gap fills.
/// Owned by the single reader of a request's replies; not thread-safe.
/// </summary>
internal sealed class ChoiceSequencer
{
    /// <summary>Sequence number of the next chunk to let through.</summary>
    private long _next;

    /// <summary>Chunks that arrived ahead of a gap, by sequence; created at the first gap.</summary>
    private SortedList<long, TokenChunk>? _early;

    /// <summary>Sequence number of the next chunk to let through.</summary>
    public long Next => _next;

    /// <summary>Chunks waiting for a gap to fill.</summary>
    public int Waiting => _early?.Count ?? 0;

    /// <summary>
    /// Takes <paramref name="chunk"/> and appends to <paramref name="ready"/> every chunk that is now next in order
    /// (none when it fills no gap or is a duplicate).
    /// </summary>
    public void Accept(TokenChunk chunk, List<TokenChunk> ready)
    {
        if (chunk.Sequence < _next) return;
        if (chunk.Sequence > _next)
        {
            (_early ??= new()).TryAdd(chunk.Sequence, chunk);
            return;
        }
        ready.Add(chunk);
        _next++;
        while (_early is { Count: > 0 } && _early.Keys[0] == _next)
        {
            ready.Add(_early.Values[0]);
            _early.RemoveAt(0);
            _next++;
        }
    }
}
