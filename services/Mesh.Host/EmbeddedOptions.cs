namespace Mesh.Host;

/// <summary>How Mesh.Host lays out its services; from the command line (<see cref="HostCommandLine"/>).</summary>
public sealed record EmbeddedOptions
{
    /// <summary>The model (.gguf or Hugging Face folder); null = the generated random model.</summary>
    public string? ModelPath { get; init; }

    /// <summary>Served model name; null = the file or folder name.</summary>
    public string? ModelName { get; init; }

    /// <summary>Port on 127.0.0.1.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Prefill-only engine workers (disaggregated mode).</summary>
    public int PrefillWorkers { get; init; } = 1;

    /// <summary>Decode-only engine workers (disaggregated mode).</summary>
    public int DecodeWorkers { get; init; } = 1;

    /// <summary>
    /// Colocated mode: <see cref="PrefillWorkers"/> workers that each prefill and decode in one engine, the KV never
    /// leaving it; <see cref="DecodeWorkers"/> is ignored.
    /// </summary>
    public bool Colocated { get; init; }

    /// <summary>
    /// Elastic roles (disaggregated mode): every engine worker can serve prefill and decode, and the scheduler moves
    /// them between the two as the queues change; the counts above are where they start.
    /// </summary>
    public bool Elastic { get; init; }

    /// <summary>Map the operators' drill endpoints under <c>/admin</c> (kill, drain, scheduler restart).</summary>
    public bool Admin { get; init; }

    /// <summary>
    /// Folder of the scheduler's journal. Null = a new folder under the temp directory for this process: requests survive
    /// a restart of the scheduler inside the process (the admin drill); give a folder to keep them across process restarts.
    /// </summary>
    public string? JournalDirectory { get; init; }

    /// <summary>Compute threads per engine; 0 = the cores shared out among the engines.</summary>
    public int Threads { get; init; }
}
