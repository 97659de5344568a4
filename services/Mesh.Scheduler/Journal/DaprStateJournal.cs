using System.Text.Json;
using Dapr.Client;
using Mesh.Contracts;

namespace Mesh.Scheduler.Journal;

/// <summary>
/// The journal in a Dapr state store (Redis locally, any store on Azure): one key per request
/// (<c>scheduler-request-{id}</c>) holding the entry's JSON, and an index key listing the ids in flight, because the
/// state API cannot list keys. The scheduler loop is the only writer, so the index needs no concurrency token.
/// </summary>
public sealed class DaprStateJournal(DaprClient dapr, string store) : IRequestJournal
{
    private const string IndexKey = "scheduler-journal-index";
    private HashSet<string>? _index;

    /// <inheritdoc />
    public async ValueTask SaveAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        string json = JsonSerializer.Serialize(entry, JournalJsonContext.Default.JournalEntry);
        await dapr.SaveStateAsync(store, KeyOf(entry.Admitted.Id), json, cancellationToken: cancellationToken).ConfigureAwait(false);
        HashSet<string> index = await IndexAsync(cancellationToken).ConfigureAwait(false);
        if (index.Add(entry.Admitted.Id.Value)) await SaveIndexAsync(index, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RemoveAsync(RequestId id, CancellationToken cancellationToken)
    {
        await dapr.DeleteStateAsync(store, KeyOf(id), cancellationToken: cancellationToken).ConfigureAwait(false);
        HashSet<string> index = await IndexAsync(cancellationToken).ConfigureAwait(false);
        if (index.Remove(id.Value)) await SaveIndexAsync(index, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<JournalEntry>> LoadAsync(CancellationToken cancellationToken)
    {
        _index = null;
        HashSet<string> index = await IndexAsync(cancellationToken).ConfigureAwait(false);
        List<JournalEntry> entries = [];
        foreach (string id in index.Order(StringComparer.Ordinal))
        {
            string? json = await dapr.GetStateAsync<string?>(store, KeyOf(new RequestId(id)), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(json)) continue;
            if (JsonSerializer.Deserialize(json, JournalJsonContext.Default.JournalEntry) is { } entry) entries.Add(entry);
        }
        return entries;
    }

    private async ValueTask<HashSet<string>> IndexAsync(CancellationToken cancellationToken)
    {
        if (_index is not null) return _index;
        string? json = await dapr.GetStateAsync<string?>(store, IndexKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        string[] ids = string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize(json, JournalJsonContext.Default.StringArray) ?? [];
        return _index = new HashSet<string>(ids, StringComparer.Ordinal);
    }

    private Task SaveIndexAsync(HashSet<string> index, CancellationToken cancellationToken) =>
        dapr.SaveStateAsync(store, IndexKey, JsonSerializer.Serialize([.. index], JournalJsonContext.Default.StringArray), cancellationToken: cancellationToken);

    private static string KeyOf(RequestId id) => "scheduler-request-" + id.Value;
}
