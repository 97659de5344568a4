using System.Text.Json;
using Mesh.Engine.Model;
using Mesh.Engine.Tokenization;

namespace Mesh.Engine.Formats.Safetensors;

/// <summary>Turns a Hugging Face model folder (<c>config.json</c>, safetensors weights,
/// <c>tokenizer.json</c>) into a <see cref="LoadedModel"/> whose matrices point into the mappings.</summary>
internal static unsafe class SafetensorsModelLoader
{
    public const string TokenizerFile = "tokenizer.json";
    public const string TokenizerConfigFile = "tokenizer_config.json";

    public static LoadedModel Load(string folder)
    {
        string configPath = Path.Combine(folder, HfConfigReader.FileName);
        if (!File.Exists(configPath))
            throw new ModelFormatException($"{folder}: missing {HfConfigReader.FileName} (a Hugging Face model folder needs config.json, weights and tokenizer.json)");
        string tokenizerPath = Path.Combine(folder, TokenizerFile);
        if (!File.Exists(tokenizerPath))
            throw new ModelFormatException($"{folder}: missing {TokenizerFile}: the model has no tokenizer");

        var checkpoint = SafetensorsCheckpoint.Open(folder);
        try
        {
            return Load(folder, configPath, tokenizerPath, checkpoint);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    private static LoadedModel Load(string folder, string configPath, string tokenizerPath, SafetensorsCheckpoint checkpoint)
    {
        var names = LlamaTensorNames.HuggingFace;
        var tensors = new Dictionary<string, StoredTensor>();
        var unusable = new Dictionary<string, string>();
        var infos = new List<TensorInfo>();
        foreach (var (file, t) in checkpoint.Tensors)
        {
            if (t.Type is { } type)
            {
                tensors[t.Name] = new StoredTensor(t.Name, type, t.Shape, file.TensorData(t), t.ByteLength);
                infos.Add(new TensorInfo(t.Name, type, t.Shape, t.ByteLength));
            }
            else
                unusable[t.Name] = $"has dtype {t.DType}, which this build cannot load (supported: F32, F16, BF16)";
        }
        if (!tensors.TryGetValue(names.TokenEmbedding, out var embedding))
            throw new ModelFormatException(unusable.TryGetValue(names.TokenEmbedding, out string? why)
                ? $"{folder}: tensor {names.TokenEmbedding} {why}"
                : $"{folder}: missing tensor {names.TokenEmbedding}");
        if (embedding.Shape.Length != 2)
            throw new ModelFormatException($"{folder}: tensor {names.TokenEmbedding} has {embedding.Shape.Length} dimensions, expected 2");

        bool separateOutput = !LlamaWeightBinder.IsTied(tensors, embedding, names.Output);
        var config = HfConfigReader.Read(configPath, embedding.Shape[0], separateOutput);
        float[]? ropeFactors = config.RopeScaling is { } s ? Llama3RopeFactors.Compute(s, config.HeadDim, config.RopeTheta) : null;
        var binder = new LlamaWeightBinder(folder, config, tensors, names, ropeFactors, unusable);
        var weights = binder.Bind();

        var tokenizer = MeshTokenizer.FromHuggingFace(folder);
        byte[] tokenizerIdentity = File.ReadAllBytes(tokenizerPath);
        return new LoadedModel
        {
            Path = folder,
            Format = "safetensors",
            Config = config,
            Weights = weights,
            Tokenizer = tokenizer,
            ChatFormat = ChatFormat.Detect(ReadChatTemplate(folder), config.Architecture, tokenizer),
            Tensors = infos,
            Fingerprint = ModelFingerprint.Compute(config, binder.Used, tokenizerIdentity),
            Storage = checkpoint,
        };
    }

    /// <summary><c>chat_template</c> from tokenizer_config.json: a string, or a list of
    /// <c>{name, template}</c> of which the one named <c>default</c> (else the first) is taken.</summary>
    internal static string? ReadChatTemplate(string folder)
    {
        string path = Path.Combine(folder, TokenizerConfigFile);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!doc.RootElement.TryGetProperty("chat_template", out var t)) return null;
            if (t.ValueKind == JsonValueKind.String) return t.GetString();
            if (t.ValueKind != JsonValueKind.Array) return null;
            string? first = null;
            foreach (var entry in t.EnumerateArray())
            {
                string? name = entry.TryGetProperty("name", out var n) ? n.GetString() : null;
                string? template = entry.TryGetProperty("template", out var tt) ? tt.GetString() : null;
                if (name == "default") return template;
                first ??= template;
            }
            return first;
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON ({e.Message})", e);
        }
    }
}
