using Mesh.Contracts;

namespace Mesh.Client;

/// <summary>
/// Lets the token chunks of one choice through once each, in <see cref="TokenChunk.Sequence"/> order. Sequences
/// run from 0 without gaps across attempts, so a chunk below the next expected one is a repeat (redelivery, or a
/// migrated decode sending again) and is dropped, and a chunk above it is held until the gap before it fills.
/// One reader; not thread-safe.
/// </summary>
internal sealed class ChoiceOrder
{
    /// <summary>Chunks that came early, by sequence; created at the first gap.</summary>
    private Dictionary<long, TokenChunk>? _held;

    /// <summary>Sequence of the next chunk to let through.</summary>
    public long Expected { get; private set; }

    /// <summary>Chunks held behind a gap.</summary>
    public int Held => _held?.Count ?? 0;

    /// <summary>Takes <paramref name="chunk"/> and appends to <paramref name="released"/> the chunks that are now in order.</summary>
    public void Take(TokenChunk chunk, List<TokenChunk> released)
    {
        if (chunk.Sequence < Expected) return;
        if (chunk.Sequence > Expected)
        {
            (_held ??= []).TryAdd(chunk.Sequence, chunk);
            return;
        }
        released.Add(chunk);
        Expected++;
        while (_held is not null && _held.Remove(Expected, out TokenChunk? next))
        {
            released.Add(next);
            Expected++;
        }
    }
}
