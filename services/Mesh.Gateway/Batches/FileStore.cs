using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Mesh.Gateway.Batches;

/// <summary>
/// The files of the batch API, on disk under <c>&lt;Directory&gt;/files</c>: <c>&lt;id&gt;.jsonl</c> holds the content and
/// <c>&lt;id&gt;.json</c> the <see cref="StoredFile"/>, both written atomically, content first, so a file exists once its
/// metadata does. An in-memory index (loaded at construction) answers lookups and lists.
/// </summary>
internal sealed class FileStore
{
    private const string ContentExtension = ".jsonl";
    private const string MetadataExtension = ".json";

    /// <summary>The folder.</summary>
    private readonly string _folder;

    /// <summary>Every file by id.</summary>
    private readonly ConcurrentDictionary<string, StoredFile> _files = new(StringComparer.Ordinal);

    private readonly TimeProvider _time;

    public FileStore(IOptions<BatchOptions> options, TimeProvider time, ILogger<FileStore> logger)
    {
        _time = time;
        _folder = Path.Combine(options.Value.ResolvedDirectory, "files");
        MaxBytes = options.Value.MaxFileBytes;
        if (!Directory.Exists(_folder)) return;
        AtomicFile.DeleteLeftovers(_folder);
        foreach (string path in Directory.EnumerateFiles(_folder, "*" + MetadataExtension))
        {
            StoredFile? file = Read(path, logger);
            if (file is not null && File.Exists(ContentPath(file.Id))) _files[file.Id] = file;
        }
    }

    /// <summary>Largest content accepted from an upload.</summary>
    public long MaxBytes { get; }

    /// <summary>The file, when it exists and belongs to <paramref name="tenant"/>.</summary>
    public StoredFile? Get(string id, string tenant) =>
        _files.TryGetValue(id, out StoredFile? file) && file.Tenant == tenant ? file : null;

    /// <summary><paramref name="tenant"/>'s files, oldest first.</summary>
    public List<StoredFile> List(string tenant) =>
        [.. _files.Values.Where(f => f.Tenant == tenant).OrderBy(f => f.Created).ThenBy(f => f.Id, StringComparer.Ordinal)];

    /// <summary>Where the content of <paramref name="id"/> is.</summary>
    public string ContentPath(string id) => Path.Combine(_folder, id + ContentExtension);

    /// <summary>Opens the content for reading (deleting the file meanwhile leaves this stream readable).</summary>
    public FileStream OpenContent(string id) =>
        new(ContentPath(id), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 << 10, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>
    /// Copies an upload into a temporary file, at most <see cref="MaxBytes"/>; <see cref="CommitAsync"/> makes it a
    /// file, disposing the upload without committing deletes it.
    /// </summary>
    /// <exception cref="OpenAiException">413: the content is larger than <see cref="MaxBytes"/>.</exception>
    public async Task<PendingUpload> ReceiveAsync(Stream content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_folder);
        string id = "file-" + Guid.NewGuid().ToString("N");
        string temp = AtomicFile.TempPath(ContentPath(id));
        var upload = new PendingUpload(id, temp);
        try
        {
            await using FileStream target = AtomicFile.CreateTemp(temp);
            byte[] buffer = new byte[64 << 10];
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                upload.Bytes += read;
                if (upload.Bytes > MaxBytes) throw BatchApiErrors.FileTooLarge(MaxBytes);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            await target.FlushAsync(cancellationToken);
            target.Flush(flushToDisk: true);
            return upload;
        }
        catch
        {
            upload.Dispose();
            throw;
        }
    }

    /// <summary>Turns a received upload into a file of <paramref name="tenant"/>.</summary>
    public async Task<StoredFile> CommitAsync(PendingUpload upload, string filename, string purpose, string tenant, CancellationToken cancellationToken)
    {
        StoredFile file = Describe(upload.Id, upload.Bytes, filename, purpose, tenant);
        AtomicFile.Commit(upload.TempPath, ContentPath(upload.Id));
        upload.Committed = true;
        await SaveMetadataAsync(file, cancellationToken);
        _files[file.Id] = file;
        return file;
    }

    /// <summary>
    /// Writes (or writes again, replacing it) a file with a chosen id, such as a batch's output file: content via
    /// <paramref name="write"/>, then the metadata.
    /// </summary>
    public async Task<StoredFile> WriteAsync(
        string id, string filename, string purpose, string tenant, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_folder);
        string path = ContentPath(id);
        await AtomicFile.WriteAsync(path, write, cancellationToken);
        StoredFile file = Describe(id, new FileInfo(path).Length, filename, purpose, tenant);
        await SaveMetadataAsync(file, cancellationToken);
        _files[file.Id] = file;
        return file;
    }

    /// <summary>Deletes a file: metadata first (then it no longer exists), then the content.</summary>
    public bool Delete(string id)
    {
        if (!_files.TryRemove(id, out _)) return false;
        File.Delete(Path.Combine(_folder, id + MetadataExtension));
        AtomicFile.TryDelete(ContentPath(id));
        return true;
    }

    private StoredFile Describe(string id, long bytes, string filename, string purpose, string tenant)
    {
        DateTimeOffset now = _time.GetUtcNow();
        var file = new FileObject(id, FileObject.ObjectName, bytes, now.ToUnixTimeSeconds(), null, filename, purpose, FileObject.Processed, null);
        return new StoredFile(file, tenant, now);
    }

    private Task SaveMetadataAsync(StoredFile file, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(
            Path.Combine(_folder, file.Id + MetadataExtension),
            (stream, ct) => JsonSerializer.SerializeAsync(stream, file, BatchJsonContext.Default.StoredFile, ct),
            cancellationToken);

    private static StoredFile? Read(string path, ILogger logger)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), BatchJsonContext.Default.StoredFile);
        }
        catch (JsonException ex)
        {
            logger.UnreadableState(ex, path);
            return null;
        }
    }
}

/// <summary>An upload received into a temporary file, not yet a file; disposing it uncommitted deletes it.</summary>
internal sealed class PendingUpload(string id, string tempPath) : IDisposable
{
    public string Id { get; } = id;

    public string TempPath { get; } = tempPath;

    /// <summary>Bytes received.</summary>
    public long Bytes { get; set; }

    /// <summary>Set once the content was renamed into place.</summary>
    public bool Committed { get; set; }

    public void Dispose()
    {
        if (!Committed) AtomicFile.TryDelete(TempPath);
    }
}
