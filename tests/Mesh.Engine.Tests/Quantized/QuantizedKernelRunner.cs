using Mesh.Engine.KvCache;
using Mesh.Engine.Model;
using Mesh.Kernels.Cpu;

namespace Mesh.Engine.Tests.Quantized;

/// <summary>The forward pass of a loaded model on CPU kernels with chosen options (here: activations
/// quantised the way llama.cpp quantises them), driven directly — one sequence, its KV in consecutive
/// pool blocks — so the kernel mode is fixed by the test, whatever the engine's default.</summary>
internal sealed class QuantizedKernelRunner : IDisposable
{
    private const int BlockSize = 16;
    private readonly ModelConfig _config;
    private readonly CpuKernels _kernels;
    private readonly Transformer _transformer;
    private readonly KvBlockPool _pool;
    private readonly ForwardBatch _batch;
    private readonly int[] _blocks;

    public QuantizedKernelRunner(LoadedModel model, int context, CpuKernelOptions options)
    {
        _config = model.Config;
        _kernels = new CpuKernels(2, options);
        _transformer = new Transformer(_config, model.Weights, _kernels, maxTokens: context, maxOutputs: 1, maxContext: context);
        int blocks = (context + BlockSize - 1) / BlockSize;
        _pool = new KvBlockPool(blocks, BlockSize, _config.Layers, _config.KvDim);
        _blocks = new int[blocks];
        for (int i = 0; i < blocks; i++) _blocks[i] = _pool.Allocate();
        _batch = new ForwardBatch(context, 1);
    }

    /// <summary>Logits at the last position of <paramref name="ids"/>, [vocab], from an empty cache.</summary>
    public float[] LastLogits(ReadOnlySpan<int> ids) => Forward(ids, start: 0);

    /// <summary>Greedy continuation (argmax, lowest id on a tie) for <paramref name="steps"/> tokens.</summary>
    public int[] Greedy(int[] prompt, int steps)
    {
        var ids = new int[steps];
        float[] logits = Forward(prompt, start: 0);
        for (int i = 0; i < steps; i++)
        {
            ids[i] = Argmax(logits);
            if (i + 1 < steps) logits = Forward([ids[i]], start: prompt.Length + i);
        }
        return ids;
    }

    private float[] Forward(ReadOnlySpan<int> ids, int start)
    {
        _batch.Clear();
        for (int i = 0; i < ids.Length; i++)
        {
            _batch.Tokens[i] = ids[i];
            _batch.Positions[i] = start + i;
            _batch.SequenceOf[i] = 0;
        }
        _batch.TokenCount = ids.Length;
        _batch.BlockTables[0] = _blocks;
        _batch.SequenceCount = 1;
        _batch.OutputRows[0] = ids.Length - 1;
        _batch.OutputCount = 1;
        _transformer.Forward(_batch, _pool);
        return _transformer.State.Logits.AsSpan(0, _config.VocabSize).ToArray();
    }

    private static int Argmax(float[] logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }

    public void Dispose()
    {
        _pool.Dispose();
        _kernels.Dispose();
    }
}
