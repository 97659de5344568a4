namespace Mesh.Workers.Model;

/// <summary>The name a model is served under (<c>/v1/models</c>, <c>InferenceRequest.Model</c>) when none is configured.</summary>
public static class ServedModelName
{
    /// <summary>
    /// <paramref name="configured"/> when given; otherwise the model file's name without <c>.gguf</c>, or the
    /// Hugging Face folder's name.
    /// </summary>
    public static string Of(string modelPath, string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        string full = Path.GetFullPath(modelPath).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return Directory.Exists(full) ? Path.GetFileName(full) : Path.GetFileNameWithoutExtension(full);
    }
}
