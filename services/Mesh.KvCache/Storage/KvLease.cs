namespace Mesh.KvCache;

/// <summary>Blocks pinned in a store until <see cref="ExpiresAt"/> or release.</summary>
/// <param name="Id">Names the lease for release.</param>
/// <param name="Fingerprint">Model whose blocks are pinned.</param>
/// <param name="Blocks">Leading blocks of the requested chain that are pinned.</param>
/// <param name="ExpiresAt">When the pins lapse without a release.</param>
public sealed record KvLease(Guid Id, string Fingerprint, int Blocks, DateTimeOffset ExpiresAt);
