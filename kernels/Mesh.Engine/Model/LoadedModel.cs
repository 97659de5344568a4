using Mesh.Engine.Tokenization;
using Mesh.Kernels;

namespace Mesh.Engine.Model;

/// <summary>A tensor as stored in the file, for inspection.</summary>
public sealed record TensorInfo(string Name, TensorType Type, long[] Shape, long ByteLength);

/// <summary>A model ready to run: shape, weights (memory-mapped), tokenizer, chat format.
/// Disposing it unmaps the file; nothing may use <see cref="Weights"/> afterwards.</summary>
public sealed class LoadedModel : IDisposable
{
    public required string Path { get; init; }
    /// <summary>"gguf" or "safetensors".</summary>
    public required string Format { get; init; }
    public required ModelConfig Config { get; init; }
    /// <summary>The weights as the file holds them, matrices in its mapping.</summary>
    public required LlamaWeights Weights { get; init; }
    /// <summary>The same weights with the Q8_0, Q4_K and Q6_K matrices rearranged into panels (<see cref="TensorType.Q8_0x8"/>,
    /// <see cref="TensorType.Q4_Kx8"/>, <see cref="TensorType.Q6_Kx8"/>), prepared
    /// in the background after load so that startup does not wait for it. Engines switch to them between forward
    /// passes once ready, which changes no result (both layouts give the same bits). Null when there is nothing to
    /// rearrange or the loader was told not to; faulted if the rewrite failed (engines keep <see cref="Weights"/>).</summary>
    public Task<LlamaWeights>? PanelWeights { get; init; }
    public required MeshTokenizer Tokenizer { get; init; }
    /// <summary>Null when the model's chat family is not recognised.</summary>
    public ChatFormat? ChatFormat { get; init; }
    public required IReadOnlyList<TensorInfo> Tensors { get; init; }
    /// <summary>Hex digest identifying the weights, tokenizer and shape (used by KV references).</summary>
    public required string Fingerprint { get; init; }
    /// <summary>Owns the memory maps; disposed with the model.</summary>
    public required IDisposable Storage { get; init; }

    public void Dispose() => Storage.Dispose();
}
