namespace Mesh.Contracts;

/// <summary>Shape of KV storage; a worker refuses KV whose layout differs from its own.</summary>
/// <param name="DType">Element type.</param>
/// <param name="BlockSize">Tokens per block.</param>
/// <param name="Layers">Transformer layers.</param>
/// <param name="KvHeads">Key/value heads (GQA groups).</param>
/// <param name="HeadDim">Elements per head.</param>
public sealed record KvLayout(KvDType DType, int BlockSize, int Layers, int KvHeads, int HeadDim);
