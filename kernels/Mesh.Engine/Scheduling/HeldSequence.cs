namespace Mesh.Engine.Scheduling;

/// <summary>A finished sequence whose KV blocks the engine keeps for export: the prompt then the
/// generated tokens, how many of them have K/V in <see cref="Blocks"/> (pool block ids, in order),
/// and how many prompt tokens came from the prefix cache.</summary>
public sealed record HeldSequence(long Id, int[] Tokens, int PromptLength, int KvTokens, int[] Blocks, int CachedTokens);
