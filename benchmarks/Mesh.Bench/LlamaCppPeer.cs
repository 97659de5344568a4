using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;
using Mesh.Kernels;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Bench;

/// <summary>llama.cpp's side of the benchmark, through LLamaSharp's CPU backend on the same GGUF file
/// and thread count: the prompt in one batch (logits for its last token only), then one token per
/// decode call, each the argmax of the previous logits, its K and V caches in the run's KV type (its own
/// default, F16, unless <c>--kv-type</c> sets both peers'). Its own defaults otherwise.</summary>
public sealed class LlamaCppPeer : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private readonly BenchOptions _o;

    private LlamaCppPeer(LLamaWeights weights, LLamaContext context, BenchOptions o)
    {
        _weights = weights;
        _context = context;
        _o = o;
    }

    /// <summary>Loads the model; null with the reason when llama.cpp's native library or the file
    /// cannot be loaded.</summary>
    public static LlamaCppPeer? TryLoad(BenchOptions o, out string? error)
    {
        LLamaWeights? weights = null;
        try
        {
            NativeLogConfig.llama_log_set(NullLogger.Instance);
            uint batch = (uint)Math.Clamp(o.PromptTokens, 1, 512);
            var p = new ModelParams(o.ModelPath)
            {
                ContextSize = (uint)(o.PromptTokens + o.GenTokens + 1),
                BatchSize = batch,
                UBatchSize = batch,
                SeqMax = 1,
                Threads = o.Threads,
                BatchThreads = o.Threads,
                GpuLayerCount = 0,
                TypeK = CacheType(o.LlamaCppKvType),
                TypeV = CacheType(o.LlamaCppKvType),
            };
            var clock = Stopwatch.StartNew();
            weights = LLamaWeights.LoadFromFile(p);
            var context = new LLamaContext(weights, p, NullLogger.Instance);
            error = null;
            return new LlamaCppPeer(weights, context, o) { StartupMs = clock.Elapsed.TotalMilliseconds };
        }
        catch (Exception e)
        {
            weights?.Dispose();
            error = $"llama.cpp (LLamaSharp) could not load {o.ModelPath}: {e.GetType().Name}: {e.Message}";
            return null;
        }
    }

    /// <summary>Prefill <paramref name="prompt"/>, then decode to <see cref="BenchOptions.GenTokens"/>.</summary>
    public (double Prefill, double Decode) Run(int[] prompt)
    {
        _context.NativeHandle.MemoryClear(true);
        var clock = Stopwatch.StartNew();
        int batchSize = (int)_context.BatchSize;
        for (int start = 0; start < prompt.Length; start += batchSize)
        {
            int end = Math.Min(prompt.Length, start + batchSize);
            _batch.Clear();
            for (int i = start; i < end; i++) _batch.Add(prompt[i], i, LLamaSeqId.Zero, logits: i == prompt.Length - 1);
            Check(_context.Decode(_batch), end - start, start);
        }
        int token = ArgMax(_context.NativeHandle.GetLogitsIth(_batch.TokenCount - 1));
        double prefill = clock.Elapsed.TotalSeconds;
        clock.Restart();
        for (int i = 1; i < _o.GenTokens; i++)
        {
            _batch.Clear();
            _batch.Add(token, prompt.Length + i - 1, LLamaSeqId.Zero, logits: true);
            Check(_context.Decode(_batch), 1, prompt.Length + i - 1);
            token = ArgMax(_context.NativeHandle.GetLogitsIth(0));
        }
        double decode = clock.Elapsed.TotalSeconds;
        return (prompt.Length / prefill, (_o.GenTokens - 1) / decode);
    }

    /// <summary>Milliseconds from opening the file to a context ready to decode.</summary>
    public double StartupMs { get; private init; }

    private static GGMLType CacheType(KvCacheType type) => type switch
    {
        KvCacheType.F32 => GGMLType.GGML_TYPE_F32,
        KvCacheType.F16 => GGMLType.GGML_TYPE_F16,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "llama.cpp's side runs F32 or F16 KV"),
    };

    private static void Check(DecodeResult r, int tokens, int position)
    {
        if (r != DecodeResult.Ok)
            throw new InvalidOperationException($"llama_decode failed with {r} for {tokens} tokens at position {position}");
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
