using Mesh.Engine.KvCache;
using Mesh.Engine.Sampling;

namespace Mesh.Engine.Scheduling;

/// <summary>KV hand-off: keeping a finished sequence's blocks for export, and continuing a sequence
/// from blocks computed elsewhere.</summary>
public sealed partial class InferenceEngine
{
    /// <summary>Continues a sequence whose KV was computed elsewhere (a prefill worker, a decode worker
    /// that died, a preempted run): <paramref name="tokens"/> are the prompt then the tokens generated so
    /// far, <paramref name="blocks"/> hold the K/V of the first <paramref name="kvTokens"/> of them, each
    /// block the bytes of a <see cref="KvBlockPool.BlockData"/> ([layers, 2, blockSize, kvDim] elements
    /// of this engine's <see cref="EngineOptions.KvCacheType"/>; blocks of another type are refused by
    /// their size). The streamed text starts after the first <paramref name="emittedTokens"/> generated
    /// tokens; the text of the ones after that is returned. Sampling continues at position tokens.Length with the same seed,
    /// so the continuation equals an uninterrupted run. With every sequence slot taken the sequence waits, its blocks
    /// held, and joins the batch when a slot frees (a scheduler that presumed this worker lost may have sent more).</summary>
    public (long Id, string PendingText) Resume(ReadOnlySpan<int> tokens, int promptLength, int kvTokens,
        IReadOnlyList<ReadOnlyMemory<byte>> blocks, SamplingParams sampling, int emittedTokens, ulong cacheSalt = 0)
    {
        try { sampling.Validate(); }
        catch (ArgumentException ex) { throw new RequestRejectedException(ex.Message); }
        int bs = _options.BlockSize;
        if (promptLength <= 0 || promptLength > tokens.Length) throw new RequestRejectedException($"prompt length {promptLength} does not fit {tokens.Length} tokens");
        if (kvTokens < 0 || kvTokens > tokens.Length || (kvTokens + bs - 1) / bs != blocks.Count)
            throw new RequestRejectedException($"{blocks.Count} KV blocks of {bs} cannot hold {kvTokens} tokens");
        if (tokens.Length >= MaxContext) throw new RequestRejectedException($"the sequence has {tokens.Length} tokens but the context holds {MaxContext}");
        foreach (int id in tokens)
            if ((uint)id >= (uint)_config.VocabSize) throw new RequestRejectedException($"token id {id} is outside the vocabulary (0..{_config.VocabSize - 1})");
        for (int i = 0; i < blocks.Count; i++)
            if (blocks[i].Length != _pool.BlockBytes)
                throw new RequestRejectedException($"KV block {i} has {blocks[i].Length} bytes; this model's {_pool.Type} blocks have {_pool.BlockBytes}");
        if (_pool.FreeCount < blocks.Count) throw new RequestRejectedException($"the KV pool has {_pool.FreeCount} free blocks; resuming needs {blocks.Count}");

        int generated = tokens.Length - promptLength;
        var p = sampling with { MaxTokens = Math.Min(sampling.MaxTokens, MaxContext - promptLength) };
        var seq = new Sequence(_nextId++, tokens[..promptLength], p, bs, cacheSalt, _tokenizer);
        tokens[promptLength..].CopyTo(seq.Tokens.AsSpan(promptLength));
        seq.Count = tokens.Length;
        for (int i = 0; i < blocks.Count; i++)
        {
            int b = _pool.Allocate();
            blocks[i].Span.CopyTo(_pool.BlockData(b));
            seq.BlockTable[seq.BlockCount++] = b;
        }
        seq.Computed = kvTokens;
        seq.LastHash = BlockHasher.Root(cacheSalt);
        if (_options.PrefixCaching) IndexFullBlocks(seq);
        var pending = new System.Text.StringBuilder();
        for (int i = 0; i < generated; i++)
        {
            string piece = seq.Decoder?.Append(seq.Tokens[promptLength + i]) ?? "";
            if (i >= emittedTokens) pending.Append(seq.Stops.Push(piece).Emit);
        }
        if (_running.Count < _options.MaxSequences) _running.Add(seq);
        else _waiting.Enqueue(seq);
        return (seq.Id, pending.ToString());
    }

    /// <summary>A finished sequence added with holdKv: its tokens and the pool blocks holding its K/V.
    /// The blocks stay referenced until <see cref="ReleaseHeld"/>.</summary>
    public HeldSequence? Held(long sequenceId) => _held.TryGetValue(sequenceId, out var h) ? h : null;

    /// <summary>A running sequence as it stands between two steps (checkpoints, preemption): its tokens so far
    /// (prompt then generated; the last sampled one has no K/V yet), how many of them have K/V, and the pool
    /// blocks holding those, in order. Null when the sequence is not running. The blocks belong to the sequence:
    /// copy them (<see cref="BlockData"/>) before the next step; a full block's contents never change. A resumed
    /// sequence still waiting for a slot has one too (the blocks it came with).</summary>
    public HeldSequence? Snapshot(long sequenceId)
    {
        foreach (var seq in _running)
            if (seq.Id == sequenceId) return SnapshotOf(seq);
        foreach (var seq in _waiting)
            if (seq.Id == sequenceId) return SnapshotOf(seq);
        return null;
    }

    private HeldSequence? SnapshotOf(Sequence seq)
    {
        if (seq.Finish != FinishReason.None) return null;
        int blocks = (seq.Computed + _options.BlockSize - 1) / _options.BlockSize;
        return new HeldSequence(seq.Id, seq.Tokens[..seq.Count], seq.PromptLength, seq.Computed, seq.BlockTable[..blocks], seq.CachedTokens);
    }

    /// <summary>The K/V of one pool block as bytes: [layers, 2, blockSize, kvDim] elements of this engine's
    /// <see cref="EngineOptions.KvCacheType"/>, little-endian.</summary>
    public ReadOnlySpan<byte> BlockData(int block) => _pool.BlockData(block);

    public void ReleaseHeld(long sequenceId)
    {
        if (!_held.Remove(sequenceId, out var h)) return;
        for (int i = h.Blocks.Length - 1; i >= 0; i--) _pool.Release(h.Blocks[i]);
    }
}
