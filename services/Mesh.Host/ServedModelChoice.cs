using Mesh.Workers.Model;

namespace Mesh.Host;

/// <summary>The model Mesh.Host serves: the one named on the command line, or the generated random model.</summary>
/// <param name="Path">.gguf file or Hugging Face folder.</param>
/// <param name="Name">Name requests use.</param>
/// <param name="RandomWeights">True for the generated model.</param>
public sealed record ServedModelChoice(string Path, string Name, bool RandomWeights)
{
    /// <summary>The model of <paramref name="options"/>, generating the random one into <paramref name="cacheFolder"/> when none is named.</summary>
    public static ServedModelChoice Resolve(EmbeddedOptions options, string cacheFolder)
    {
        if (options.ModelPath is { } path)
        {
            string full = System.IO.Path.GetFullPath(path);
            if (!File.Exists(full) && !Directory.Exists(full)) throw new ArgumentException($"--model {path}: no such file or folder");
            return new ServedModelChoice(full, ServedModelName.Of(full, options.ModelName), RandomWeights: false);
        }
        return new ServedModelChoice(GeneratedModel.Ensure(cacheFolder), options.ModelName ?? GeneratedModel.Name, RandomWeights: true);
    }
}
