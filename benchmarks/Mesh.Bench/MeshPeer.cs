using System.Diagnostics;
using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;

namespace Mesh.Bench;

/// <summary>Mesh's side of the benchmark: one engine over the memory-mapped model, greedy generation
/// with EOS ignored so every run makes the same number of tokens, prefix caching off so every prefill
/// is computed.</summary>
public sealed class MeshPeer : IDisposable
{
    private readonly LoadedModel _model;
    private readonly InferenceEngine _engine;
    private readonly BenchOptions _o;

    public MeshPeer(BenchOptions o)
    {
        _o = o;
        var clock = Stopwatch.StartNew();
        _model = ModelLoader.Load(o.ModelPath);
        _engine = new InferenceEngine(_model, new EngineOptions
        {
            Threads = o.Threads,
            MaxSequences = Math.Max(1, o.Concurrent),
            MaxBatchTokens = Math.Clamp(o.PromptTokens, Math.Max(1, o.Concurrent), 512),
            MaxContext = o.PromptTokens + o.GenTokens + 1,
            PrefixCaching = false,
            QuantizeQ8Activations = o.QuantizeActivations,
            KvCacheType = o.MeshKvType,
        });
        StartupMs = clock.Elapsed.TotalMilliseconds;
        // Q8_0/Q4_K/Q6_K panels are prepared in the background; time the steady state, so wait for them
        if (_model.PanelWeights is { } panels)
        {
            try { panels.Wait(); }
            catch (AggregateException e) { PanelFailure = e.InnerException?.Message; }
            PanelsReadyMs = clock.Elapsed.TotalMilliseconds;
        }
    }

    /// <summary>Milliseconds from opening the file to the panel layouts being ready (null: no Q8_0, Q4_K or Q6_K matrices).</summary>
    public double? PanelsReadyMs { get; }

    /// <summary>Why the panel layout could not be prepared (the engine runs the file's rows then).</summary>
    public string? PanelFailure { get; }

    public ModelConfig Config => _model.Config;
    /// <summary>Milliseconds from opening the file to an engine ready to serve (model mapped, KV pool and
    /// scratch allocated).</summary>
    public double StartupMs { get; }
    public LlamaWeights Weights => _model.Weights;

    /// <summary>Prefill <paramref name="prompt"/>, then decode to <see cref="BenchOptions.GenTokens"/>.</summary>
    public (double Prefill, double Decode) Run(int[] prompt)
    {
        var r = Generation.Run(_engine, prompt, Sampling(_o.GenTokens));
        if (r.Ids.Length != _o.GenTokens)
            throw new InvalidOperationException($"Mesh generated {r.Ids.Length} tokens, expected {_o.GenTokens} (finish {r.Finish})");
        return (r.PrefillTokensPerSecond, r.DecodeTokensPerSecond);
    }

    /// <summary>Aggregate decode tokens/s of <paramref name="prompts"/>.Length sequences running together:
    /// tokens generated after every sequence has its first token, over the time that took.</summary>
    public double RunConcurrent(int[][] prompts)
    {
        var firsts = new HashSet<long>();
        var ids = prompts.Select(p => _engine.Add(p, Sampling(_o.GenTokens))).ToHashSet();
        long decoded = 0;
        Stopwatch? clock = null;
        while (_engine.HasWork)
        {
            foreach (var o in _engine.Step())
            {
                if (!ids.Contains(o.SequenceId) || o.Token < 0) continue;
                if (clock is not null) decoded++;
                else firsts.Add(o.SequenceId);
            }
            if (clock is null && firsts.Count == ids.Count) clock = Stopwatch.StartNew();
        }
        if (clock is null || decoded == 0) throw new InvalidOperationException("the concurrent run decoded nothing");
        return decoded / clock.Elapsed.TotalSeconds;
    }

    private static SamplingParams Sampling(int tokens) => SamplingParams.Greedy(tokens) with { IgnoreEos = true };

    public void Dispose()
    {
        _engine.Dispose();
        _model.Dispose();
    }
}
