using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Engine.Tests.Parity;

/// <summary>llama.cpp (through LLamaSharp, CPU) running a GGUF file as the numerical reference:
/// last-position logits of a token-id prompt and greedy continuations. Ids go in exactly as given
/// (no BOS is added), the KV cache is cleared before every prompt, and K/V are cached in F32 with
/// flash attention off so the reference adds no rounding of its own beyond what its matmuls do.</summary>
internal sealed class LlamaCppReference : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();

    public int VocabSize { get; }
    public int ContextSize { get; }

    private LlamaCppReference(LLamaWeights weights, LLamaContext context, int contextSize)
    {
        _weights = weights;
        _context = context;
        VocabSize = weights.Vocab.Count;
        ContextSize = contextSize;
    }

    /// <summary>Loads <paramref name="path"/> with a <paramref name="contextSize"/>-token context;
    /// null with the reason when llama.cpp's native library or the file cannot be loaded.</summary>
    public static LlamaCppReference? TryLoad(string path, int contextSize, out string? error)
    {
        LLamaWeights? weights = null;
        try
        {
            NativeLogConfig.llama_log_set(NullLogger.Instance);
            var p = new ModelParams(path)
            {
                ContextSize = (uint)contextSize,
                BatchSize = (uint)contextSize,
                UBatchSize = (uint)contextSize,
                SeqMax = 1,
                Threads = 2,
                BatchThreads = 2,
                GpuLayerCount = 0,
                LoadMode = LLamaLoadMode.None,
                TypeK = GGMLType.GGML_TYPE_F32,
                TypeV = GGMLType.GGML_TYPE_F32,
                FlashAttention = false,
            };
            weights = LLamaWeights.LoadFromFile(p);
            var context = new LLamaContext(weights, p, NullLogger.Instance);
            error = null;
            return new LlamaCppReference(weights, context, contextSize);
        }
        catch (Exception e)
        {
            weights?.Dispose();
            error = $"llama.cpp (LLamaSharp) could not load {path}: {e.GetType().Name}: {e.Message}";
            return null;
        }
    }

    /// <summary>Logits at the last position of <paramref name="ids"/>, [vocab], from an empty cache.</summary>
    public float[] LastLogits(ReadOnlySpan<int> ids)
    {
        _context.NativeHandle.MemoryClear(true);
        return Decode(ids, start: 0);
    }

    /// <summary>Greedy continuation of <paramref name="prompt"/> for <paramref name="steps"/> tokens:
    /// argmax of llama.cpp's logits each step (lowest id on an exact tie), fed back one at a time.
    /// <paramref name="gaps"/>[i] is the top-1 minus top-2 logit at step i.</summary>
    public int[] Greedy(int[] prompt, int steps, out float[] gaps)
    {
        if (prompt.Length + steps > ContextSize)
            throw new ArgumentException($"prompt {prompt.Length} + {steps} steps exceed the {ContextSize}-token context");
        var ids = new int[steps];
        gaps = new float[steps];
        _context.NativeHandle.MemoryClear(true);
        float[] logits = Decode(prompt, start: 0);
        for (int i = 0; i < steps; i++)
        {
            (ids[i], gaps[i]) = TopWithGap(logits);
            if (i + 1 < steps) logits = Decode([ids[i]], start: prompt.Length + i);
        }
        return ids;
    }

    /// <summary>The argmax (lowest id among equals) and its lead over the runner-up.</summary>
    public static (int Id, float Gap) TopWithGap(ReadOnlySpan<float> logits)
    {
        int best = 0;
        float first = float.NegativeInfinity, second = float.NegativeInfinity;
        for (int i = 0; i < logits.Length; i++)
        {
            if (logits[i] > first) { second = first; first = logits[i]; best = i; }
            else if (logits[i] > second) second = logits[i];
        }
        return (best, first - second);
    }

    /// <summary>Decodes <paramref name="ids"/> at positions start.. in sequence 0 and returns the
    /// logits of the last one.</summary>
    private float[] Decode(ReadOnlySpan<int> ids, int start)
    {
        if (ids.Length == 0) throw new ArgumentException("nothing to decode: the prompt is empty");
        _batch.Clear();
        for (int i = 0; i < ids.Length; i++)
            _batch.Add(ids[i], start + i, LLamaSeqId.Zero, logits: i == ids.Length - 1);
        var result = _context.Decode(_batch);
        if (result != DecodeResult.Ok)
            throw new InvalidOperationException($"llama_decode failed with {result} for {ids.Length} tokens at position {start}");
        return _context.NativeHandle.GetLogitsIth(ids.Length - 1).ToArray();
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
