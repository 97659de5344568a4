using Mesh.Engine.Model;
using Mesh.Kernels;

namespace Mesh.Engine.Formats;

/// <summary>Finds a Llama-shaped model's tensors by name, checks every shape and type against the
/// config, and wraps them as <see cref="LlamaWeights"/> (matrices in place, vectors copied to F32).</summary>
/// <param name="ropeFactors">RoPE divisors computed from the config, used when the file holds none.</param>
/// <param name="unusable">Tensors present in the file that cannot be loaded, with the reason.</param>
internal sealed unsafe class LlamaWeightBinder(
    string path, ModelConfig config, IReadOnlyDictionary<string, StoredTensor> tensors, LlamaTensorNames names,
    float[]? ropeFactors = null, IReadOnlyDictionary<string, string>? unusable = null)
{
    private readonly List<StoredTensor> _used = [];

    /// <summary>The tensors bound so far, in binding order (the order the fingerprint hashes them).</summary>
    public IReadOnlyList<StoredTensor> Used => _used;

    public LlamaWeights Bind()
    {
        int dim = config.Dim, vocab = config.VocabSize;
        var embedding = Matrix(names.TokenEmbedding, vocab, dim);
        var layers = new LayerWeights[config.Layers];
        for (int i = 0; i < layers.Length; i++) layers[i] = BindLayer(i);
        var outputNorm = Vector(names.OutputNorm, dim);
        var output = config.TiedEmbeddings ? embedding : Matrix(names.Output, vocab, dim);
        float[]? factors = names.RopeFreqs != null && tensors.ContainsKey(names.RopeFreqs)
            ? Vector(names.RopeFreqs, config.HeadDim / 2)
            : ropeFactors;
        return new LlamaWeights
        {
            TokenEmbedding = embedding,
            Layers = layers,
            OutputNorm = outputNorm,
            Output = output,
            RopeFreqFactors = factors,
        };
    }

    private LayerWeights BindLayer(int i)
    {
        int dim = config.Dim, q = config.QDim, kv = config.KvDim, ffn = config.FfnDim;
        string N(LayerTensor t) => names.Layer(i, t);
        return new LayerWeights
        {
            AttnNorm = Vector(N(LayerTensor.AttnNorm), dim),
            Wq = Matrix(N(LayerTensor.Q), q, dim),
            Wk = Matrix(N(LayerTensor.K), kv, dim),
            Wv = Matrix(N(LayerTensor.V), kv, dim),
            Wo = Matrix(N(LayerTensor.O), dim, q),
            Bq = config.QkvBias ? Vector(N(LayerTensor.QBias), q) : null,
            Bk = config.QkvBias ? Vector(N(LayerTensor.KBias), kv) : null,
            Bv = config.QkvBias ? Vector(N(LayerTensor.VBias), kv) : null,
            FfnNorm = Vector(N(LayerTensor.FfnNorm), dim),
            Gate = Matrix(N(LayerTensor.Gate), ffn, dim),
            Up = Matrix(N(LayerTensor.Up), ffn, dim),
            Down = Matrix(N(LayerTensor.Down), dim, ffn),
        };
    }

    private StoredTensor Find(string name)
    {
        if (unusable != null && unusable.TryGetValue(name, out string? why))
            throw new ModelFormatException($"{path}: tensor {name} {why}");
        if (!tensors.TryGetValue(name, out var t))
            throw new ModelFormatException($"{path}: missing tensor {name}");
        _used.Add(t);
        return t;
    }

    private WeightMatrix Matrix(string name, int rows, int cols)
    {
        var t = Find(name);
        if (t.Shape.Length != 2 || t.Shape[0] != rows || t.Shape[1] != cols)
            throw new ModelFormatException($"{path}: tensor {name} has shape [{string.Join(", ", t.Shape)}], expected [{rows}, {cols}]");
        if (!TensorTypes.IsSupported(t.Type))
            throw new ModelFormatException(UnsupportedType(path, name, t.Type));
        return new WeightMatrix(t.Data, rows, cols, t.Type);
    }

    private float[] Vector(string name, int length)
    {
        var t = Find(name);
        if (t.Shape.Length != 1 || t.Shape[0] != length)
            throw new ModelFormatException($"{path}: tensor {name} has shape [{string.Join(", ", t.Shape)}], expected [{length}]");
        if (t.Type is not (TensorType.F32 or TensorType.F16 or TensorType.BF16))
            throw new ModelFormatException($"{path}: tensor {name} has type {t.Type}; vectors must be F32, F16 or BF16");
        return FloatCodec.ToFloats(t.Bytes, t.Type, length);
    }

    /// <summary>No output matrix, or one that is a byte-for-byte copy of the embedding (some
    /// converters write the shared matrix twice, e.g. stories260K.gguf).</summary>
    public static bool IsTied(IReadOnlyDictionary<string, StoredTensor> tensors, StoredTensor embedding, string outputName) =>
        !tensors.TryGetValue(outputName, out var output) || output.SameContent(embedding);

    public static string UnsupportedType(string path, string tensor, TensorType type) =>
        $"{path}: tensor {tensor} has type {type}, which this build cannot run (supported: {TensorTypes.SupportedList})";
}
