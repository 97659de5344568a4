using System.Text.Json;
using Mesh.Engine.Model;

namespace Mesh.Engine.Tokenization;

/// <summary>What <c>tokenizer_config.json</c> and <c>generation_config.json</c> say about BOS/EOS,
/// adding BOS, the chat template and extra stop ids. Both files are optional.</summary>
internal sealed record HuggingFaceTokenizerConfig
{
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    public bool? AddBos { get; init; }
    public string? ChatTemplate { get; init; }
    /// <summary>generation_config.json <c>eos_token_id</c> (one id or a list).</summary>
    public IReadOnlyList<int> GenerationEosIds { get; init; } = [];

    public static HuggingFaceTokenizerConfig Read(string folder)
    {
        var config = new HuggingFaceTokenizerConfig();
        string tokenizerConfig = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(tokenizerConfig))
        {
            using var document = Parse(tokenizerConfig);
            var root = document.RootElement;
            config = config with
            {
                BosToken = TokenText(root, "bos_token"),
                EosToken = TokenText(root, "eos_token"),
                AddBos = root.TryGetProperty("add_bos_token", out var add) && add.ValueKind is JsonValueKind.True or JsonValueKind.False ? add.GetBoolean() : null,
                ChatTemplate = Template(root),
            };
        }
        string generationConfig = Path.Combine(folder, "generation_config.json");
        if (File.Exists(generationConfig))
        {
            using var document = Parse(generationConfig);
            if (document.RootElement.TryGetProperty("eos_token_id", out var eos))
            {
                config = config with
                {
                    GenerationEosIds = eos.ValueKind switch
                    {
                        JsonValueKind.Number => [eos.GetInt32()],
                        JsonValueKind.Array => eos.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number).Select(e => e.GetInt32()).ToArray(),
                        _ => [],
                    },
                };
            }
        }
        return config;
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>A token given as <c>"&lt;s&gt;"</c> or as <c>{"content": "&lt;s&gt;", ...}</c>.</summary>
    private static string? TokenText(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var token)) return null;
        if (token.ValueKind == JsonValueKind.String) return token.GetString();
        if (token.ValueKind == JsonValueKind.Object && token.TryGetProperty("content", out var content)) return content.GetString();
        return null;
    }

    /// <summary><c>chat_template</c> as a string, or the <c>default</c> (else first) of a named list.</summary>
    private static string? Template(JsonElement root)
    {
        if (!root.TryGetProperty("chat_template", out var template)) return null;
        if (template.ValueKind == JsonValueKind.String) return template.GetString();
        if (template.ValueKind != JsonValueKind.Array) return null;
        var named = template.EnumerateArray()
            .Where(t => t.ValueKind == JsonValueKind.Object && t.TryGetProperty("template", out _))
            .Select(t => (Name: t.TryGetProperty("name", out var n) ? n.GetString() : null, Text: t.GetProperty("template").GetString()))
            .ToList();
        return named.FirstOrDefault(t => t.Name == "default").Text ?? named.FirstOrDefault().Text;
    }
}
