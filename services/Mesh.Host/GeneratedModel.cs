using Mesh.Engine.Model;

namespace Mesh.Host;

/// <summary>
/// The model Mesh.Host serves when none is given: the <c>small</c> preset with seed 1, generated once into the user's
/// cache folder, with a chat template (zephyr markers) so chat requests work too. Its weights are random: it produces
/// tokens, not meaningful text.
/// </summary>
public static class GeneratedModel
{
    /// <summary>Served name of the generated model.</summary>
    public const string Name = "mesh-random-small";

    /// <summary>Zephyr's template: <c>ChatFormat.Detect</c> recognises it by its <c>&lt;|user|&gt;</c> and <c>&lt;|assistant|&gt;</c> markers.</summary>
    private const string ChatTemplate =
        "{% for message in messages %}{% if message['role'] == 'user' %}<|user|>\n{{ message['content'] }}</s>\n" +
        "{% elif message['role'] == 'system' %}<|system|>\n{{ message['content'] }}</s>\n" +
        "{% elif message['role'] == 'assistant' %}<|assistant|>\n{{ message['content'] }}</s>\n{% endif %}{% endfor %}" +
        "{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

    /// <summary>The model file, created on first use.</summary>
    public static string Ensure(string cacheFolder)
    {
        string path = Path.Combine(cacheFolder, "host-small-seed1-zephyr.gguf");
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(cacheFolder);
        string partial = $"{path}.{Environment.ProcessId}.tmp";
        ModelCreator.Create(ModelCreateOptions.Preset("small") with { Seed = 1, Format = "gguf", DType = "f32", ChatTemplate = ChatTemplate, Out = partial });
        File.Move(partial, path, overwrite: true);
        return path;
    }

    /// <summary><c>$XDG_CACHE_HOME/mesh/models</c>, else <c>~/.cache/mesh/models</c>.</summary>
    public static string DefaultCacheFolder() => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "mesh", "models");
}
