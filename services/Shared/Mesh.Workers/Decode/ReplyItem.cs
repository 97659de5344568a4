using Mesh.Contracts;
using Mesh.Engine.Scheduling;

namespace Mesh.Workers.Decode;

/// <summary>What the reply publisher turns into messages, in the order queued (closed set).</summary>
internal abstract record ReplyItem(DecodeStream Stream);

/// <summary>The first token, sent by prefill, streamed before anything the engine produces.</summary>
internal sealed record FirstTokenItem(DecodeStream Stream, SampledToken Token, FirstTokenOutcome Outcome) : ReplyItem(Stream);

/// <summary>One engine output of the stream's sequence.</summary>
internal sealed record OutputItem(DecodeStream Stream, SequenceOutput Output) : ReplyItem(Stream);

/// <summary>The sequence was dropped; the scheduler hears a <see cref="Failed"/>.</summary>
internal sealed record FaultItem(DecodeStream Stream, Exception Error) : ReplyItem(Stream);

/// <summary>
/// A checkpoint of the stream's sequence, taken on the engine loop: its tokens (prompt then generated), how many have
/// KV, and copies of the KV blocks from <paramref name="FirstBlock"/> on (the ones before were in an earlier item).
/// <paramref name="Suspended"/>: the sequence was stopped after it (preemption) and the stream ends here.
/// </summary>
internal sealed record CheckpointItem(DecodeStream Stream, int[] Tokens, int KvTokens, int FirstBlock, byte[][] Blocks, bool Suspended)
    : ReplyItem(Stream);
