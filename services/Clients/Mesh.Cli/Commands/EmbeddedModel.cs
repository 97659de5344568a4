using Mesh.Engine.Model;

namespace Mesh.Cli.Commands;

/// <summary>The model used when none is given: a small random Llama generated once into the user's
/// cache folder. Its weights are random, so it produces tokens, not meaningful text.</summary>
public static class EmbeddedModel
{
    public const string Preset = "small";
    public const ulong Seed = 1;

    public static string EnsureDefault(TextWriter log)
    {
        string dir = Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "mesh", "models");
        string path = Path.Combine(dir, $"embedded-{Preset}-seed{Seed}.gguf");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(dir);
            string tmp = path + $".{Environment.ProcessId}.tmp";
            ModelCreator.Create(ModelCreateOptions.Preset(Preset) with { Seed = Seed, Format = "gguf", DType = "f32", Out = tmp });
            File.Move(tmp, path, overwrite: true);
        }
        log.WriteLine($"mesh: no --model given; using the embedded default, a generated '{Preset}' Llama with RANDOM weights ({path}). Its output is not meaningful text; pass --model PATH for a real model.");
        return path;
    }
}
