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

    /// <summary>Compute threads per engine; 0 = the cores shared out among the engines.</summary>
    public int Threads { get; init; }
}
