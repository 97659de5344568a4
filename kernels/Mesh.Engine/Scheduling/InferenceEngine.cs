using Mesh.Engine.KvCache;
using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Tokenization;
using Mesh.Kernels;
using Mesh.Kernels.Cpu;

namespace Mesh.Engine.Scheduling;

/// <summary>Continuous batching over one model: sequences join and leave between steps; each
/// <see cref="Step"/> is one forward pass over decode tokens and prefill chunks together
/// (schedule → execute → update). Prefix blocks are shared through the pool's hash index.
/// Single owner: exactly one thread calls into an engine.</summary>
public sealed class InferenceEngine : IDisposable
{
    private readonly ModelConfig _config;
    private readonly MeshTokenizer? _tokenizer;
    private readonly EngineOptions _options;
    private readonly IKernels _kernels;
    private readonly Transformer _transformer;
    private readonly KvBlockPool _pool;
    private readonly Sampler _sampler;
    private readonly ForwardBatch _batch;
    private readonly List<Sequence> _running;
    private readonly Queue<Sequence> _waiting = new();
    /// <summary>Sequences in this step's batch, in batch order.</summary>
    private readonly List<Sequence> _stepSequences;
    private readonly List<SequenceOutput> _outputs = new();
    private readonly ulong[] _hashScratch;
    private readonly HashSet<int> _stopIds;
    /// <summary>Finished sequences whose blocks are kept for export (prefill hand-off).</summary>
    private readonly Dictionary<long, HeldSequence> _held = new();
    private long _nextId = 1;

    public ModelConfig Config => _config;
    public KvBlockPool Pool => _pool;
    public int MaxContext { get; }
    public bool HasWork => _running.Count > 0 || _waiting.Count > 0;
    public int RunningCount => _running.Count;
    public int WaitingCount => _waiting.Count;

    /// <summary>Counters: tokens computed by forward passes, split by kind.</summary>
    public long PrefillTokensComputed { get; private set; }
    public long DecodeTokensComputed { get; private set; }

    public InferenceEngine(LoadedModel model, EngineOptions? options = null)
        : this(model.Config, model.Weights, model.Tokenizer, options) { }

    public InferenceEngine(ModelConfig config, LlamaWeights weights, MeshTokenizer? tokenizer, EngineOptions? options = null)
    {
        _options = options ?? new EngineOptions();
        _options.Validate();
        config.Validate();
        _config = config;
        _tokenizer = tokenizer;
        MaxContext = _options.MaxContext > 0 ? Math.Min(_options.MaxContext, config.ContextLength) : Math.Min(config.ContextLength, 8192);
        _kernels = _options.ReferenceKernels ? new ReferenceKernels() : new CpuKernels(_options.Threads);
        int maxTokens = Math.Max(_options.MaxBatchTokens, _options.MaxSequences);
        _transformer = new Transformer(config, weights, _kernels, maxTokens, _options.MaxSequences, MaxContext);
        _pool = new KvBlockPool(ChooseBlockCount(config), _options.BlockSize, config.Layers, config.KvDim);
        _sampler = new Sampler(config.VocabSize);
        _batch = new ForwardBatch(maxTokens, _options.MaxSequences);
        _running = new List<Sequence>(_options.MaxSequences);
        _stepSequences = new List<Sequence>(_options.MaxSequences);
        _hashScratch = new ulong[(MaxContext + _options.BlockSize - 1) / _options.BlockSize];
        _stopIds = tokenizer is null ? [] : [.. tokenizer.StopIds];
    }

    private int ChooseBlockCount(ModelConfig c)
    {
        if (_options.KvBlocks > 0) return _options.KvBlocks;
        long bytesPerBlock = (long)c.Layers * 2 * _options.BlockSize * c.KvDim * sizeof(float);
        long wanted = (long)_options.MaxSequences * ((MaxContext + _options.BlockSize - 1) / _options.BlockSize);
        long affordable = Math.Max(1, _options.KvCacheBytes / bytesPerBlock);
        long minimum = (MaxContext + _options.BlockSize - 1) / _options.BlockSize + 1;
        return (int)Math.Clamp(Math.Min(wanted, affordable), minimum, int.MaxValue / 2);
    }

    /// <summary>Queues a generation and returns its id. Throws <see cref="RequestRejectedException"/>
    /// for a request that can never run. <paramref name="cacheSalt"/> separates prefix-cache
    /// namespaces (tenants).</summary>
    public long Add(ReadOnlySpan<int> promptIds, SamplingParams sampling, ulong cacheSalt = 0, bool holdKv = false)
    {
        try { sampling.Validate(); }
        catch (ArgumentException ex) { throw new RequestRejectedException(ex.Message); }
        if (promptIds.Length == 0) throw new RequestRejectedException("the prompt is empty: give at least one token");
        foreach (int id in promptIds)
            if ((uint)id >= (uint)_config.VocabSize)
                throw new RequestRejectedException($"token id {id} is outside the vocabulary (0..{_config.VocabSize - 1})");
        if (promptIds.Length >= MaxContext)
            throw new RequestRejectedException($"the prompt has {promptIds.Length} tokens but the context holds {MaxContext}; shorten the prompt");
        int maxTokens = Math.Min(sampling.MaxTokens, MaxContext - promptIds.Length);
        if (maxTokens != sampling.MaxTokens) sampling = sampling with { MaxTokens = maxTokens };
        var seq = new Sequence(_nextId++, promptIds, sampling, _options.BlockSize, cacheSalt, _tokenizer) { HoldKv = holdKv };
        _waiting.Enqueue(seq);
        return seq.Id;
    }

    /// <summary>Continues a sequence whose KV was computed elsewhere (a prefill worker, a decode worker
    /// that died, a preempted run): <paramref name="tokens"/> are the prompt then the tokens generated so
    /// far, <paramref name="blocks"/> hold the K/V of the first <paramref name="kvTokens"/> of them, each
    /// block laid out as <see cref="KvBlockPool.BlockData"/> ([layers, 2, blockSize, kvDim] F32). The
    /// streamed text starts after the first <paramref name="emittedTokens"/> generated tokens; the text of
    /// the ones after that is returned. Sampling continues at position tokens.Length with the same seed,
    /// so the continuation equals an uninterrupted run.</summary>
    public (long Id, string PendingText) Resume(ReadOnlySpan<int> tokens, int promptLength, int kvTokens,
        IReadOnlyList<ReadOnlyMemory<float>> blocks, SamplingParams sampling, int emittedTokens, ulong cacheSalt = 0)
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
        if (_pool.FreeCount < blocks.Count) throw new RequestRejectedException($"the KV pool has {_pool.FreeCount} free blocks; resuming needs {blocks.Count}");

        int generated = tokens.Length - promptLength;
        var p = sampling with { MaxTokens = Math.Min(sampling.MaxTokens, MaxContext - promptLength) };
        var seq = new Sequence(_nextId++, tokens[..promptLength], p, bs, cacheSalt, _tokenizer);
        tokens[promptLength..].CopyTo(seq.Tokens.AsSpan(promptLength));
        seq.Count = tokens.Length;
        for (int i = 0; i < blocks.Count; i++)
        {
            if (blocks[i].Length != _pool.BlockFloats) throw new RequestRejectedException($"KV block {i} has {blocks[i].Length} floats; this model's blocks have {_pool.BlockFloats}");
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
        _running.Add(seq);
        return (seq.Id, pending.ToString());
    }

    /// <summary>A finished sequence added with holdKv: its tokens and the pool blocks holding its K/V.
    /// The blocks stay referenced until <see cref="ReleaseHeld"/>.</summary>
    public HeldSequence? Held(long sequenceId) => _held.TryGetValue(sequenceId, out var h) ? h : null;

    /// <summary>The K/V of one pool block: [layers, 2, blockSize, kvDim].</summary>
    public ReadOnlySpan<float> BlockData(int block) => _pool.BlockData(block);

    public void ReleaseHeld(long sequenceId)
    {
        if (!_held.Remove(sequenceId, out var h)) return;
        for (int i = h.Blocks.Length - 1; i >= 0; i--) _pool.Release(h.Blocks[i]);
    }

    /// <summary>Runs <paramref name="tokens"/> as a prompt and returns the logits at its last
    /// position, [vocab] (reference checks, scoring). The engine must be idle.</summary>
    public float[] LastLogits(ReadOnlySpan<int> tokens)
    {
        if (HasWork) throw new InvalidOperationException("LastLogits needs an idle engine");
        Add(tokens, new SamplingParams { Temperature = 0, MaxTokens = 0 });
        while (HasWork) Step();
        return _transformer.State.Logits.AsSpan(0, _config.VocabSize).ToArray();
    }

    /// <summary>Stops a sequence; its blocks return to the pool. Reported once as Cancelled.</summary>
    public bool Cancel(long sequenceId)
    {
        foreach (var s in _running)
            if (s.Id == sequenceId) { s.Finish = FinishReason.Cancelled; return true; }
        foreach (var s in _waiting)
            if (s.Id == sequenceId) { s.Finish = FinishReason.Cancelled; return true; }
        return false;
    }

    /// <summary>One scheduling step and forward pass. Returns what each sequence produced; the list
    /// is reused by the next call.</summary>
    public IReadOnlyList<SequenceOutput> Step()
    {
        _outputs.Clear();
        ReapCancelled();
        Plan();
        if (_batch.TokenCount > 0)
        {
            _transformer.Forward(_batch, _pool);
            Update();
        }
        else if (_running.Count > 0 || _waiting.Count > 0)
        {
            throw new InvalidOperationException(
                $"no sequence could be scheduled: the KV pool ({_pool.BlockCount} blocks of {_pool.BlockSize}) is too small for the work queued");
        }
        return _outputs;
    }

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

    public void Dispose()
    {
        foreach (var id in _held.Keys.ToArray()) ReleaseHeld(id);
        (_kernels as IDisposable)?.Dispose();
        _pool.Dispose();
    }
}
