using System.Text;
using Mesh.Engine.Model;
using Mesh.Engine.Tokenization;
using Mesh.Kernels;

namespace Mesh.Engine.Formats.Gguf;

/// <summary>Turns a GGUF file of a Llama-shaped architecture (<c>llama</c>: Llama 2/3, Mistral,
/// TinyLlama; <c>qwen2</c>) into a <see cref="LoadedModel"/> whose matrices point into the file's
/// mapping.</summary>
internal static unsafe class GgufModelLoader
{
    private static readonly string[] Architectures = ["llama", "qwen2"];

    public static LoadedModel Load(string path)
    {
        var file = GgufFile.Open(path);
        try
        {
            return Load(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static LoadedModel Load(GgufFile file)
    {
        string path = file.Path;
        string arch = file.GetString("general.architecture")
            ?? throw new ModelFormatException($"{path}: metadata general.architecture is missing");
        if (!Architectures.Contains(arch))
            throw new ModelFormatException($"{path}: architecture {arch} is not supported (supported: {string.Join(", ", Architectures)})");
        foreach (var t in file.Tensors)
            if (!TensorTypes.IsSupported(t.Type))
                throw new ModelFormatException(LlamaWeightBinder.UnsupportedType(path, t.Name, t.Type));

        var tensors = file.Tensors.ToDictionary(t => t.Name, t => new StoredTensor(t.Name, t.Type, t.Shape, file.TensorData(t), t.ByteLength));
        var config = ReadConfig(file, arch, tensors);
        var binder = new LlamaWeightBinder(path, config, tensors, LlamaTensorNames.Gguf);
        var weights = binder.Bind();

        var tokenizerData = ReadTokenizer(file);
        var tokenizer = MeshTokenizer.FromGguf(tokenizerData);
        string fingerprint = ModelFingerprint.Compute(config, binder.Used, TokenizerIdentity(tokenizerData));
        return new LoadedModel
        {
            Path = path,
            Format = "gguf",
            Config = config,
            Weights = weights,
            Tokenizer = tokenizer,
            ChatFormat = ChatFormat.Detect(tokenizerData.ChatTemplate, arch, tokenizer),
            Tensors = file.Tensors.Select(t => new TensorInfo(t.Name, t.Type, t.Shape, t.ByteLength)).ToList(),
            Fingerprint = fingerprint,
            Storage = file,
        };
    }

    private static ModelConfig ReadConfig(GgufFile file, string arch, Dictionary<string, StoredTensor> tensors)
    {
        string path = file.Path;
        if (!tensors.TryGetValue(LlamaTensorNames.Gguf.TokenEmbedding, out var embedding))
            throw new ModelFormatException($"{path}: missing tensor {LlamaTensorNames.Gguf.TokenEmbedding}");
        if (embedding.Shape.Length != 2)
            throw new ModelFormatException($"{path}: tensor {embedding.Name} has {embedding.Shape.Length} dimensions, expected 2");
        int heads = RequireInt(file, $"{arch}.attention.head_count");
        var config = new ModelConfig
        {
            Architecture = arch,
            Dim = RequireInt(file, $"{arch}.embedding_length"),
            Layers = RequireInt(file, $"{arch}.block_count"),
            Heads = heads,
            KvHeads = OptionalInt(file, $"{arch}.attention.head_count_kv") ?? heads,
            FfnDim = RequireInt(file, $"{arch}.feed_forward_length"),
            VocabSize = checked((int)embedding.Shape[0]),
            ContextLength = RequireInt(file, $"{arch}.context_length"),
            RmsEps = (float)(file.GetReal($"{arch}.attention.layer_norm_rms_epsilon") ?? 1e-5),
            RopeTheta = (float)(file.GetReal($"{arch}.rope.freq_base") ?? 10000),
            RopeStyle = arch == "qwen2" ? RopeStyle.NeoX : RopeStyle.Interleaved,
            QkvBias = arch == "qwen2",
            TiedEmbeddings = LlamaWeightBinder.IsTied(tensors, embedding, LlamaTensorNames.Gguf.Output),
        };
        try
        {
            config.Validate();
        }
        catch (ModelFormatException e)
        {
            throw new ModelFormatException($"{path}: {e.Message}", e);
        }
        int? ropeDims = OptionalInt(file, $"{arch}.rope.dimension_count");
        if (ropeDims is int rd && rd != config.HeadDim)
            throw new ModelFormatException($"{path}: {arch}.rope.dimension_count is {rd}, but only full-head RoPE ({config.HeadDim}) is supported");
        string? scaling = file.GetString($"{arch}.rope.scaling.type");
        double scaleFactor = file.GetReal($"{arch}.rope.scaling.factor") ?? 1;
        if (scaling is not (null or "none") && scaleFactor != 1)
            throw new ModelFormatException($"{path}: RoPE scaling {scaling} (factor {scaleFactor}) is not supported");
        return config;
    }

    private static int RequireInt(GgufFile file, string key) =>
        OptionalInt(file, key) ?? throw new ModelFormatException($"{file.Path}: metadata {key} is missing");

    private static int? OptionalInt(GgufFile file, string key)
    {
        if (!file.Metadata.TryGetValue(key, out var v)) return null;
        long? n = v.AsInteger();
        if (n is null || n < int.MinValue || n > int.MaxValue)
            throw new ModelFormatException($"{file.Path}: metadata {key} is a {v.Type}, expected an integer");
        return (int)n;
    }

    private static GgufTokenizerData ReadTokenizer(GgufFile file) => GgufTokenizerReader.Read(file);

    /// <summary>An integer array of any GGUF integer element type, as int[].</summary>
    private static int[]? IntArray(GgufFile file, string key)
    {
        if (file.Metadata.GetValueOrDefault(key)?.Value is not GgufArray a) return null;
        if (a.Items is int[] ints) return ints;
        var result = new int[a.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = new GgufValue(a.ElementType, a.Items.GetValue(i)!).AsInteger() is long n
                ? checked((int)n)
                : throw new ModelFormatException($"{file.Path}: metadata {key} is an array of {a.ElementType}, expected integers");
        return result;
    }

    private static byte[] TokenizerIdentity(GgufTokenizerData t)
    {
        var sb = new StringBuilder();
        sb.Append(t.Model).Append('\0').Append(t.Pre).Append('\0');
        foreach (string token in t.Tokens) sb.Append(token).Append('\0');
        foreach (string merge in t.Merges ?? []) sb.Append(merge).Append('\0');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
