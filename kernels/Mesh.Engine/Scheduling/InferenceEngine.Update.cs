using Mesh.Engine.KvCache;
using Mesh.Engine.Sampling;

namespace Mesh.Engine.Scheduling;

/// <summary>Update: what happens after a forward pass — computed counts, prefix index, sampling,
/// stop conditions, freeing.</summary>
public sealed partial class InferenceEngine
{
    /// <summary>After the pass: advance computed counts, index newly full blocks, sample, stop.</summary>
    private void Update()
    {
        int output = 0;
        var logits = _transformer.State.Logits;
        foreach (var seq in _stepSequences)
        {
            bool prefill = seq.Computed < seq.PromptLength;
            if (prefill) PrefillTokensComputed += seq.Scheduled; else DecodeTokensComputed += seq.Scheduled;
            seq.Computed += seq.Scheduled;
            seq.Scheduled = 0;
            if (_options.PrefixCaching) IndexFullBlocks(seq);
            if (!seq.SamplesThisStep) continue;
            var row = logits.AsSpan(output++ * _config.VocabSize, _config.VocabSize);
            SampleNext(seq, row);
        }
        for (int i = _running.Count - 1; i >= 0; i--)
            if (_running[i].Finish != FinishReason.None) { Retire(_running[i]); _running.RemoveAt(i); }
    }

    private void SampleNext(Sequence seq, ReadOnlySpan<float> logits)
    {
        var p = seq.Params;
        if (p.MaxTokens == 0)
        {
            Finish(seq, FinishReason.Length);
            return;
        }
        int token = _sampler.Sample(logits, p, seq.Tokens.AsSpan(0, seq.Count), seq.Generated, seq.Count);
        float logprob = 0;
        TokenLogprob[]? top = null;
        if (p.Logprobs)
        {
            top = p.TopLogprobs > 0 ? new TokenLogprob[p.TopLogprobs] : null;
            logprob = _sampler.Logprobs(logits, token, top);
        }
        int index = seq.Generated;
        seq.Tokens[seq.Count++] = token;

        bool stopToken = !p.IgnoreEos && _stopIds.Contains(token) || Contains(p.StopTokenIds, token);
        string text = "";
        bool stopString = false;
        if (!stopToken && seq.Decoder is not null)
            (text, stopString) = seq.Stops.Push(seq.Decoder.Append(token));
        var finish = stopToken || stopString ? FinishReason.Stop
            : seq.Generated >= p.MaxTokens ? FinishReason.Length
            : FinishReason.None;
        if (finish == FinishReason.Length && seq.Decoder is not null) text += seq.Stops.Push(seq.Decoder.Flush()).Emit + seq.Stops.Flush();
        seq.Finish = finish;
        _outputs.Add(new SequenceOutput(seq.Id, token, index, text, finish, logprob, top, stopToken));
    }

    private void Finish(Sequence seq, FinishReason reason)
    {
        seq.Finish = reason;
        _outputs.Add(new SequenceOutput(seq.Id, -1, seq.Generated, "", reason, 0, null));
    }

    private static bool Contains(IReadOnlyList<int> ids, int token)
    {
        for (int i = 0; i < ids.Count; i++) if (ids[i] == token) return true;
        return false;
    }

    /// <summary>Registers every block that became full (its K/V all computed) in the prefix index.</summary>
    private void IndexFullBlocks(Sequence seq)
    {
        int bs = _options.BlockSize;
        while ((seq.HashedBlocks + 1) * bs <= seq.Computed)
        {
            int i = seq.HashedBlocks;
            seq.LastHash = BlockHasher.Next(seq.LastHash, seq.Tokens.AsSpan(i * bs, bs));
            _pool.Register(seq.BlockTable[i], seq.LastHash);
            seq.HashedBlocks++;
        }
    }

    private void ReapCancelled()
    {
        for (int i = _running.Count - 1; i >= 0; i--)
        {
            var s = _running[i];
            if (s.Finish != FinishReason.Cancelled) continue;
            Free(s);
            _running.RemoveAt(i);
            _outputs.Add(new SequenceOutput(s.Id, -1, s.Generated, "", FinishReason.Cancelled, 0, null));
        }
        if (_waiting.Count == 0) return;
        int n = _waiting.Count;
        for (int i = 0; i < n; i++)
        {
            var s = _waiting.Dequeue();
            if (s.Finish == FinishReason.Cancelled)
            {
                Free(s);
                _outputs.Add(new SequenceOutput(s.Id, -1, s.Generated, "", FinishReason.Cancelled, 0, null));
            }
            else _waiting.Enqueue(s);
        }
    }

    /// <summary>Frees a finished sequence's blocks, or keeps them for export when it was added with holdKv.</summary>
    private void Retire(Sequence seq)
    {
        if (!seq.HoldKv || seq.Finish == FinishReason.Cancelled) { Free(seq); return; }
        _held[seq.Id] = new HeldSequence(seq.Id, seq.Tokens[..seq.Count], seq.PromptLength, seq.Computed, seq.BlockTable[..seq.BlockCount], seq.CachedTokens);
        seq.BlockCount = 0;
    }

    /// <summary>Returns a sequence's blocks, last first, so a shared prefix outlives its tail.</summary>
    private void Free(Sequence seq)
    {
        for (int i = seq.BlockCount - 1; i >= 0; i--) _pool.Release(seq.BlockTable[i]);
        seq.BlockCount = 0;
    }
}
