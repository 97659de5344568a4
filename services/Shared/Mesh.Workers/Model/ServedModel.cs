using Mesh.Engine.Model;
using Mesh.Kernels;
using Mesh.Workers.Kv;

namespace Mesh.Workers.Model;

/// <summary>
/// The model a worker process serves, loaded once (memory-mapped) and shared by every engine in the process:
/// weights are read-only and the tokenizer is thread-safe.
/// </summary>
public sealed class ServedModel : IDisposable
{
    private ServedModel(string name, LoadedModel model, int blockSize, KvCacheType kvType)
    {
        Name = name;
        Model = model;
        Kv = KvBlockLayout.For(model.Config, blockSize, kvType);
        Fingerprint = kvType == KvCacheType.F32 ? model.Fingerprint : $"{model.Fingerprint}:kv-{Kv.Layout.DType.ToString().ToLowerInvariant()}";
    }

    /// <summary>Name requests use.</summary>
    public string Name { get; }

    /// <summary>Config, weights, tokenizer, fingerprint.</summary>
    public LoadedModel Model { get; }

    /// <summary>Shape of this model's KV blocks at the workers' block size and KV type.</summary>
    public KvBlockLayout Kv { get; }

    /// <summary>
    /// Weights + tokenizer + shape, and the KV element type when it is not F32 (<c>…:kv-f16</c>), as KV references carry it
    /// and the KV cache namespaces blocks by it: F16 and F32 blocks of the same tokens never share a key.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>Loads the model at <paramref name="path"/> (GGUF file or Hugging Face folder); its engines keep KV as <paramref name="kvType"/>.</summary>
    public static ServedModel Load(string path, string? name, int blockSize, KvCacheType kvType) =>
        new(ServedModelName.Of(path, name), ModelLoader.Load(path), blockSize, kvType);

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
