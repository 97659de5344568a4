using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Mesh.Gateway.Batches;

/// <summary>
/// The batches, on disk under <c>&lt;Directory&gt;/batches</c>: <c>&lt;id&gt;.json</c> holds the <see cref="StoredBatch"/>,
/// rewritten atomically at each status change, and <c>&lt;id&gt;.results.jsonl</c> the result journal
/// (<see cref="BatchJournal"/>). Request counts change in memory as lines finish and are saved with the next status
/// change; after a restart they are counted again from the journal. Every change goes through <see cref="UpdateAsync"/>,
/// one at a time, so a cancel and the runner's own transitions never overwrite each other.
/// </summary>
internal sealed class BatchStore
{
    private const string StateExtension = ".json";
    private const string JournalExtension = ".results.jsonl";

    /// <summary>The folder.</summary>
    private readonly string _folder;

    /// <summary>Every batch by id; replaced (never mutated) under <see cref="_gate"/>.</summary>
    private readonly Dictionary<string, StoredBatch> _batches = new(StringComparer.Ordinal);

    /// <summary>Serializes changes and their writes to disk.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);

    public BatchStore(IOptions<BatchOptions> options, ILogger<BatchStore> logger)
    {
        _folder = Path.Combine(options.Value.ResolvedDirectory, "batches");
        if (!Directory.Exists(_folder)) return;
        AtomicFile.DeleteLeftovers(_folder);
        foreach (string path in Directory.EnumerateFiles(_folder, "*" + StateExtension))
        {
            try
            {
                StoredBatch? batch = JsonSerializer.Deserialize(File.ReadAllBytes(path), BatchJsonContext.Default.StoredBatch);
                if (batch is not null) _batches[batch.Id] = batch;
            }
            catch (JsonException ex)
            {
                logger.UnreadableState(ex, path);
            }
        }
    }

    /// <summary>The batch, when it exists and belongs to <paramref name="tenant"/>.</summary>
    public StoredBatch? Get(string id, string tenant)
    {
        StoredBatch? batch = Get(id);
        return batch?.Tenant == tenant ? batch : null;
    }

    /// <summary>The batch, whoever owns it.</summary>
    public StoredBatch? Get(string id)
    {
        lock (_batches) return _batches.GetValueOrDefault(id);
    }

    /// <summary>Every batch, oldest first.</summary>
    public List<StoredBatch> All()
    {
        lock (_batches) return [.. _batches.Values.OrderBy(b => b.Created).ThenBy(b => b.Id, StringComparer.Ordinal)];
    }

    /// <summary>Where the result journal of <paramref name="id"/> is.</summary>
    public string JournalPath(string id) => Path.Combine(_folder, id + JournalExtension);

    /// <summary>Saves a new batch.</summary>
    public async Task AddAsync(StoredBatch batch, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_folder);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await SaveAsync(batch, cancellationToken);
            lock (_batches) _batches.Add(batch.Id, batch);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current state; when it returns a different state, that state is kept
    /// (and written to disk when <paramref name="persist"/>). Returns the state after the call.
    /// </summary>
    public async Task<StoredBatch> UpdateAsync(string id, Func<StoredBatch, StoredBatch> change, bool persist, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            StoredBatch current = Get(id) ?? throw new InvalidOperationException($"Batch {id} is not in the store.");
            StoredBatch next = change(current);
            if (ReferenceEquals(next, current)) return current;
            if (persist) await SaveAsync(next, cancellationToken);
            lock (_batches) _batches[id] = next;
            return next;
        }
        finally
        {
            _gate.Release();
        }
    }

    private Task SaveAsync(StoredBatch batch, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(
            Path.Combine(_folder, batch.Id + StateExtension),
            (stream, ct) => JsonSerializer.SerializeAsync(stream, batch, BatchJsonContext.Default.StoredBatch, ct),
            cancellationToken);
}
