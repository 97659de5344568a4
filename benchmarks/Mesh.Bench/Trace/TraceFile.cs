namespace Mesh.Bench.Trace;

/// <summary>
/// Loads a trace by its extension (<c>.csv</c>: Azure LLM inference trace; <c>.jsonl</c>: Mooncake) and finds the
/// shared data folder the traces live in (<c>../shared/data/traces/</c> beside the repository; never copied into it).
/// </summary>
public static class TraceFile
{
    /// <summary>Tokens per Mooncake prefix block (<c>hash_ids</c> entry).</summary>
    public const int MooncakeBlockTokens = 512;

    /// <summary>The conversation half of the Azure trace, relative to the shared data folder.</summary>
    public const string AzureConversation = "traces/azure_llm_2023/AzureLLMInferenceTrace_conv.csv";

    /// <summary>The code half of the Azure trace, relative to the shared data folder.</summary>
    public const string AzureCode = "traces/azure_llm_2023/AzureLLMInferenceTrace_code.csv";

    /// <summary>The real Mooncake conversation trace, relative to the shared data folder.</summary>
    public const string MooncakeConversation = "traces/mooncake_fast25/conversation_trace.jsonl";

    /// <summary>Every request of the trace at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="TraceFormatException">The file is not in its format.</exception>
    /// <exception cref="ArgumentException">The extension is neither <c>.csv</c> nor <c>.jsonl</c>.</exception>
    public static IReadOnlyList<TraceRequest> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no trace file at {path}", path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csv" => AzureTraceReader.Read(path),
            ".jsonl" => MooncakeTraceReader.Read(path),
            _ => throw new ArgumentException($"{path}: a trace is a .csv (Azure LLM inference trace) or a .jsonl (Mooncake) file"),
        };
    }

    /// <summary>
    /// The shared data folder: <c>shared/data</c> or <c>../shared/data</c> of the first folder that has one, walking up
    /// from each of <paramref name="starts"/> in turn; null when there is none.
    /// </summary>
    public static string? LocateSharedData(params string[] starts)
    {
        foreach (string start in starts)
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                foreach (string candidate in new[] { Path.Combine(dir.FullName, "shared", "data"), Path.Combine(dir.FullName, "..", "shared", "data") })
                    if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        return null;
    }

    /// <summary><paramref name="relative"/> under the shared data folder seen from the working directory or the binaries; null when absent.</summary>
    public static string? Shared(string relative) =>
        LocateSharedData(Directory.GetCurrentDirectory(), AppContext.BaseDirectory) is { } folder && File.Exists(Path.Combine(folder, relative))
            ? Path.Combine(folder, relative)
            : null;
}
