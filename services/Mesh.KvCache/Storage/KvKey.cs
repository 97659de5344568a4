using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>Where a block lives in every tier: its model fingerprint and its hash.</summary>
internal readonly record struct KvKey(string Fingerprint, BlockHash Hash)
{
    /// <summary>For logs and messages.</summary>
    public override string ToString() => $"{Fingerprint}/{Hash}";
}
