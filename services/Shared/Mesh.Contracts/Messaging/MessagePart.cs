namespace Mesh.Contracts;

/// <summary>
/// Tells apart messages of one kind within one request attempt: the choice index and chunk sequence of a
/// <see cref="TokenChunk"/>, the item index of an <see cref="EncodeTask"/>. <c>default</c> when a kind
/// occurs once per attempt.
/// </summary>
/// <param name="Index">Choice index (n &gt; 1) or media item index.</param>
/// <param name="Sequence">Chunk sequence number within the index.</param>
public readonly record struct MessagePart(int Index, long Sequence);
