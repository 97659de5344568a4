using Mesh.Engine.KvCache;
using Mesh.Engine.Sampling;

namespace Mesh.Engine.Scheduling;

/// <summary>Schedule: which tokens of which sequences go into the next forward pass.</summary>
public sealed partial class InferenceEngine
{
    /// <summary>Chooses this step's tokens: running sequences first (decode tokens and the rest of
    /// their prompts), then new sequences while the token budget and the pool allow.</summary>
    private void Plan()
    {
        _batch.Clear();
        _stepSequences.Clear();
        int budget = _options.MaxBatchTokens;
        foreach (var seq in _running)
        {
            if (budget == 0) break;
            budget -= Schedule(seq, budget);
        }
        while (budget > 0 && _waiting.Count > 0 && _running.Count < _options.MaxSequences)
        {
            var seq = _waiting.Peek();
            if (seq.Computed == 0 && seq.BlockCount == 0 && _options.PrefixCaching) ReusePrefix(seq);
            int took = Schedule(seq, budget);
            if (took == 0) break;
            _waiting.Dequeue();
            _running.Add(seq);
            budget -= took;
        }
    }

    /// <summary>Takes blocks of the longest cached prefix of the prompt, always leaving at least one
    /// prompt token to compute so the first sample has logits.</summary>
    private void ReusePrefix(Sequence seq)
    {
        int bs = _options.BlockSize;
        int full = BlockHasher.Chain(seq.Tokens.AsSpan(0, seq.PromptLength - 1), bs, seq.Salt, _hashScratch);
        int hits = 0;
        while (hits < full)
        {
            int b = _pool.Acquire(_hashScratch[hits]);
            if (b < 0) break;
            seq.BlockTable[hits++] = b;
        }
        seq.BlockCount = seq.HashedBlocks = hits;
        seq.Computed = seq.CachedTokens = hits * bs;
        seq.LastHash = hits > 0 ? _hashScratch[hits - 1] : BlockHasher.Root(seq.Salt);
    }

    /// <summary>Adds up to <paramref name="budget"/> of the sequence's uncomputed tokens to the batch,
    /// growing its block table as needed; returns how many were added.</summary>
    private int Schedule(Sequence seq, int budget)
    {
        int take = Math.Min(seq.Count - seq.Computed, budget);
        if (take <= 0) return 0;
        int bs = _options.BlockSize;
        int blocksNeeded = (seq.Computed + take + bs - 1) / bs;
        while (seq.BlockCount < blocksNeeded)
        {
            int b = _pool.Allocate();
            if (b < 0)
            {
                take = seq.BlockCount * bs - seq.Computed;
                break;
            }
            seq.BlockTable[seq.BlockCount++] = b;
        }
        if (take <= 0) return 0;

        int slot = _batch.SequenceCount++;
        _batch.BlockTables[slot] = seq.BlockTable;
        for (int i = 0; i < take; i++)
        {
            int t = _batch.TokenCount++;
            _batch.Tokens[t] = seq.Tokens[seq.Computed + i];
            _batch.Positions[t] = seq.Computed + i;
            _batch.SequenceOf[t] = slot;
        }
        seq.Scheduled = take;
        seq.SamplesThisStep = seq.Computed + take == seq.Count;
        if (seq.SamplesThisStep) _batch.OutputRows[_batch.OutputCount++] = _batch.TokenCount - 1;
        _stepSequences.Add(seq);
        return take;
    }
}
