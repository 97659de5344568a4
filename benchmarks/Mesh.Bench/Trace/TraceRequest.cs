namespace Mesh.Bench.Trace;

/// <summary>
/// One request of a recorded trace, as recorded: when it arrived (offset from the trace's first request), how many
/// tokens its prompt and its answer had, and, for Mooncake traces, the hash ids of its prompt's 512-token prefix
/// blocks (two requests whose lists start with the same ids share that many blocks of prompt).
/// </summary>
/// <param name="Arrival">Offset from the trace's first request.</param>
/// <param name="ContextTokens">Prompt tokens.</param>
/// <param name="GeneratedTokens">Tokens the answer had.</param>
/// <param name="BlockHashes">Mooncake <c>hash_ids</c>, one per <see cref="TraceFile.MooncakeBlockTokens"/> prompt tokens; null for Azure traces.</param>
public sealed record TraceRequest(TimeSpan Arrival, int ContextTokens, int GeneratedTokens, int[]? BlockHashes = null);
