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
public sealed partial class InferenceEngine : IDisposable
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

    /// <summary>An engine on <paramref name="model"/>'s weights, switching to its <see cref="LoadedModel.PanelWeights"/> once
    /// they are ready.</summary>
    public InferenceEngine(LoadedModel model, EngineOptions? options = null)
        : this(model.Config, model.Weights, model.Tokenizer, options, model.PanelWeights) { }

    public InferenceEngine(ModelConfig config, LlamaWeights weights, MeshTokenizer? tokenizer, EngineOptions? options = null)
        : this(config, weights, tokenizer, options, panelWeights: null) { }

    internal InferenceEngine(ModelConfig config, LlamaWeights weights, MeshTokenizer? tokenizer, EngineOptions? options,
        Task<LlamaWeights>? panelWeights)
    {
        _options = options ?? new EngineOptions();
        _options.Validate();
        config.Validate();
        _config = config;
        _tokenizer = tokenizer;
        MaxContext = _options.MaxContext > 0 ? Math.Min(_options.MaxContext, config.ContextLength) : Math.Min(config.ContextLength, 8192);
        _kernels = _options.ReferenceKernels
            ? new ReferenceKernels(_options.QuantizeQ8Activations)
            : new CpuKernels(_options.Threads, new CpuKernelOptions { QuantizeQ8Activations = _options.QuantizeQ8Activations });
        int maxTokens = Math.Max(_options.MaxBatchTokens, _options.MaxSequences);
        _transformer = new Transformer(config, weights, _kernels, maxTokens, _options.MaxSequences, MaxContext, panelWeights);
        _pool = new KvBlockPool(ChooseBlockCount(config), _options.BlockSize, config.Layers, config.KvDim, _options.KvCacheType);
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
        long bytesPerBlock = (long)c.Layers * 2 * _options.BlockSize * c.KvDim * _options.KvCacheType.ElementBytes();
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

    public void Dispose()
    {
        foreach (var id in _held.Keys.ToArray()) ReleaseHeld(id);
        (_kernels as IDisposable)?.Dispose();
        _pool.Dispose();
    }
}
