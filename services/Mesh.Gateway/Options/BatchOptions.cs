namespace Mesh.Gateway;

/// <summary>
/// Settings of the batch API (<c>/v1/files</c>, <c>/v1/batches</c>), bound from <c>Gateway:Batches</c>
/// (env: <c>Gateway__Batches__Directory=/data/batches</c>) and validated at startup.
/// </summary>
public sealed class BatchOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = GatewayOptions.SectionName + ":Batches";

    /// <summary>Where files and batch state live when <see cref="Directory"/> is not set: relative to the current directory.</summary>
    public const string DefaultDirectory = "mesh-data/batches";

    /// <summary>
    /// Folder holding uploaded files, batch state and result journals; relative paths are taken from the current
    /// directory. Defaults to <see cref="DefaultDirectory"/>. It must outlive the process (not a temp folder) for
    /// unfinished batches to continue after a restart, and only one gateway instance may use it at a time.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>Largest uploaded file in bytes; a larger upload gets 413 <c>file_too_large</c>. OpenAI's limit is 200 MB.</summary>
    public long MaxFileBytes { get; set; } = 200L << 20;

    /// <summary>Most request lines one batch may hold; more fails the batch at validation. OpenAI's limit is 50,000.</summary>
    public int MaxRequestsPerBatch { get; set; } = 50_000;

    /// <summary>
    /// Request lines in flight at once over all batches of this gateway: submitted to the mesh and not yet
    /// answered. Offline work is preempted by online work in the mesh anyway; this bounds what the gateway holds.
    /// </summary>
    public int MaxInFlight { get; set; } = 64;

    /// <summary>
    /// First wait before a line the mesh turned away for lack of capacity (429, 503) is submitted again; it doubles
    /// per retry up to a minute, and retries stop at the batch's deadline.
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Full path of the data folder.</summary>
    public string ResolvedDirectory => Path.GetFullPath(string.IsNullOrWhiteSpace(Directory) ? DefaultDirectory : Directory);
}
