using System.Text.Json;
using Mesh.Engine.Formats.Gguf;
using Mesh.Engine.Model;
using Mesh.Engine.Tokenization;
using Mesh.Workers.Model;

namespace Mesh.Scheduler.Admission;

/// <summary>
/// Reads only the tokenizer, chat format and context length of a model: from a GGUF file's metadata (the file is
/// mapped, its tensors never read) or a Hugging Face folder's tokenizer.json and config.json.
/// </summary>
public static class TokenizerFiles
{
    /// <param name="path">A .gguf file, a Hugging Face folder (or a file in it), or a folder holding one .gguf file.</param>
    /// <param name="name">Served name; null = the file or folder name.</param>
    /// <exception cref="ModelFormatException">The path holds no readable tokenizer.</exception>
    public static ServedTokenizer Load(string path, string? name)
    {
        string served = ServedModelName.Of(path, name);
        if (Directory.Exists(path))
        {
            if (File.Exists(Path.Combine(path, "tokenizer.json"))) return FromHuggingFace(path, served);
            string[] ggufs = Directory.GetFiles(path, "*.gguf");
            return ggufs.Length == 1
                ? FromGguf(ggufs[0], served)
                : throw new ModelFormatException($"{path}: no tokenizer.json and {ggufs.Length} .gguf files; name the model file");
        }
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: no such file or folder");
        string file = Path.GetFileName(path);
        return file.Equals("tokenizer.json", StringComparison.OrdinalIgnoreCase)
               || file.Equals("config.json", StringComparison.OrdinalIgnoreCase)
               || file.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            ? FromHuggingFace(Path.GetDirectoryName(Path.GetFullPath(path))!, served)
            : FromGguf(path, served);
    }

    private static ServedTokenizer FromHuggingFace(string folder, string name)
    {
        MeshTokenizer tokenizer = MeshTokenizer.FromHuggingFace(folder);
        string configPath = Path.Combine(folder, "config.json");
        int context = 2048;
        string architecture = "llama";
        if (File.Exists(configPath))
        {
            try
            {
                using JsonDocument config = JsonDocument.Parse(File.ReadAllBytes(configPath));
                if (config.RootElement.TryGetProperty("max_position_embeddings", out JsonElement max) && max.TryGetInt32(out int n)) context = n;
                if (config.RootElement.TryGetProperty("model_type", out JsonElement type) && type.GetString() is { } t) architecture = t;
            }
            catch (JsonException ex)
            {
                throw new ModelFormatException($"{configPath}: not valid JSON ({ex.Message})", ex);
            }
        }
        return new ServedTokenizer(name, tokenizer, ChatFormat.Detect(tokenizer.ChatTemplate, architecture, tokenizer), context);
    }

    private static ServedTokenizer FromGguf(string path, string name)
    {
        using GgufFile file = GgufFile.Open(path);
        string architecture = file.GetString("general.architecture")
            ?? throw new ModelFormatException($"{path}: metadata general.architecture is missing");
        long context = file.GetInteger($"{architecture}.context_length")
            ?? throw new ModelFormatException($"{path}: metadata {architecture}.context_length is missing");
        GgufTokenizerData data = GgufTokenizerReader.Read(file);
        MeshTokenizer tokenizer = MeshTokenizer.FromGguf(data);
        return new ServedTokenizer(name, tokenizer, ChatFormat.Detect(data.ChatTemplate, architecture, tokenizer), checked((int)context));
    }
}
