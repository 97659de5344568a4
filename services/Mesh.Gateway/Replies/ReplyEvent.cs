using Mesh.Contracts;

namespace Mesh.Gateway.Replies;

/// <summary>What a <see cref="ReplyStream"/> yields.</summary>
internal enum ReplyEventKind
{
    /// <summary>The next chunk of a choice, in order, once.</summary>
    Tokens,

    /// <summary>A choice is complete: every chunk was yielded and its <see cref="Completed"/> arrived.</summary>
    Finished,
}

/// <summary>One step of a request's replies.</summary>
/// <param name="Kind">Which of the two.</param>
/// <param name="ChoiceIndex">The choice.</param>
/// <param name="Chunk">Set for <see cref="ReplyEventKind.Tokens"/>.</param>
/// <param name="Completion">Set for <see cref="ReplyEventKind.Finished"/>: finish reason and usage.</param>
internal readonly record struct ReplyEvent(ReplyEventKind Kind, int ChoiceIndex, TokenChunk? Chunk, Completed? Completion);
