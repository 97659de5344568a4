namespace Mesh.Gateway.Batches;

/// <summary>OpenAI's <c>file</c> object: an uploaded batch input, or a batch's output or error file.</summary>
/// <param name="Bytes">Size of the content.</param>
/// <param name="CreatedAt">Unix seconds.</param>
/// <param name="ExpiresAt">Always null: Mesh keeps files until they are deleted.</param>
/// <param name="Purpose"><c>batch</c> (uploaded) or <c>batch_output</c> (written by a batch).</param>
/// <param name="Status">Always <c>processed</c> (OpenAI's deprecated field, kept for old clients).</param>
internal sealed record FileObject(
    string Id,
    string Object,
    long Bytes,
    long CreatedAt,
    long? ExpiresAt,
    string Filename,
    string Purpose,
    string Status,
    string? StatusDetails)
{
    public const string ObjectName = "file";
    public const string Processed = "processed";
}

/// <summary><c>GET /v1/files</c>: one page, in the asked order.</summary>
internal sealed record FileList(string Object, FileObject[] Data, string? FirstId, string? LastId, bool HasMore);

/// <summary><c>DELETE /v1/files/{id}</c>.</summary>
internal sealed record FileDeleted(string Id, string Object, bool Deleted);

/// <summary>A file as the store keeps it: the object, its owner, and when it was created (full precision, for ordering).</summary>
/// <param name="Tenant">The caller that uploaded it (or whose batch wrote it); other tenants get 404.</param>
internal sealed record StoredFile(FileObject File, string Tenant, DateTimeOffset Created)
{
    public string Id => File.Id;
}

/// <summary>The <c>purpose</c> values of files.</summary>
internal static class FilePurposes
{
    /// <summary>Uploaded batch input, the only purpose <c>POST /v1/files</c> accepts.</summary>
    public const string Batch = "batch";

    /// <summary>A batch's output or error file.</summary>
    public const string BatchOutput = "batch_output";
}
