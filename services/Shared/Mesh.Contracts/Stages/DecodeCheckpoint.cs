namespace Mesh.Contracts;

/// <summary>
/// A decode's progress, saved in the KV cache so another worker can continue it: the KV of the first
/// <see cref="KvRef.TokenCount"/> positions (prompt, then generated tokens), every token generated so far, and the
/// number of the next chunk. Decode workers publish one on <see cref="Topics.DecodeCheckpoints"/> whenever the
/// sequence fills <c>Mesh:Worker:CheckpointBlocks</c> more KV blocks, and one with <see cref="Suspended"/> when the
/// scheduler preempts the sequence. Resuming from it (a <see cref="DecodeTask"/> with
/// <see cref="DecodeTask.GeneratedTokenIds"/> and <see cref="DecodeTask.NextSequence"/>) recomputes only the
/// positions after the KV and, with the request's seed, draws the same tokens as a run that never stopped.
/// </summary>
/// <param name="Envelope">Request and the attempt the decode ran under.</param>
/// <param name="ChoiceIndex">Which of the n choices.</param>
/// <param name="Kv">The KV saved: full blocks under their chain hashes, plus (when suspended) the partial last block.</param>
/// <param name="TokenIds">Every token generated so far, the first (prefill's) included.</param>
/// <param name="NextSequence">Chunks of the choice sent so far: a resumed decode numbers its first chunk with this.</param>
/// <param name="Worker">The decode worker.</param>
/// <param name="Suspended">The sequence stopped here (preempted); otherwise it runs on.</param>
public sealed record DecodeCheckpoint(
    MessageEnvelope Envelope,
    int ChoiceIndex,
    KvRef Kv,
    int[] TokenIds,
    long NextSequence,
    WorkerId Worker,
    bool Suspended = false) : IRequestMessage
{
    /// <summary>
    /// Its tokens so far, doubled, plus one when suspended: the suspension of a sequence that has not stepped since its
    /// last periodic checkpoint (same tokens) is a different delivery, not a duplicate to drop, or the scheduler would
    /// wait for it forever.
    /// </summary>
    MessagePart IRequestMessage.Part => new(ChoiceIndex, 2L * TokenIds.Length + (Suspended ? 1 : 0));
}
