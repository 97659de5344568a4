using Mesh.Engine.Model;
using Mesh.Workers.Kv;

namespace Mesh.Workers.Model;

/// <summary>
/// The model a worker process serves, loaded once (memory-mapped) and shared by every engine in the process:
/// weights are read-only and the tokenizer is thread-safe.
/// </summary>
public sealed class ServedModel : IDisposable
{
    private ServedModel(string name, LoadedModel model, int blockSize)
    {
        Name = name;
        Model = model;
        Kv = KvBlockLayout.For(model.Config, blockSize);
    }

    /// <summary>Name requests use.</summary>
    public string Name { get; }

    /// <summary>Config, weights, tokenizer, fingerprint.</summary>
    public LoadedModel Model { get; }

    /// <summary>Shape of this model's KV blocks at the workers' block size.</summary>
    public KvBlockLayout Kv { get; }

    /// <summary>Weights + tokenizer + shape, as KV references carry it.</summary>
    public string Fingerprint => Model.Fingerprint;

    /// <summary>Loads the model at <paramref name="path"/> (GGUF file or Hugging Face folder).</summary>
    public static ServedModel Load(string path, string? name, int blockSize) =>
        new(ServedModelName.Of(path, name), ModelLoader.Load(path), blockSize);

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
