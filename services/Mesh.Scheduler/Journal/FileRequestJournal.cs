using System.Text;
using System.Text.Json;
using Mesh.Contracts;

namespace Mesh.Scheduler.Journal;

/// <summary>
/// The journal as a folder: one JSON file per request in flight, named by a hash-free escape of its id, each written
/// to a temporary file and renamed over the old one, so a crash leaves either the old entry or the new one.
/// </summary>
public sealed class FileRequestJournal : IRequestJournal
{
    private const string Extension = ".json";
    private readonly string _directory;

    /// <param name="directory">Created when missing.</param>
    public FileRequestJournal(string directory)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        string path = PathOf(entry.Admitted.Id);
        string temporary = path + ".tmp";
        await File.WriteAllBytesAsync(temporary, JsonSerializer.SerializeToUtf8Bytes(entry, JournalJsonContext.Default.JournalEntry), cancellationToken)
            .ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    /// <inheritdoc />
    public ValueTask RemoveAsync(RequestId id, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(id));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<JournalEntry>> LoadAsync(CancellationToken cancellationToken)
    {
        List<JournalEntry> entries = [];
        foreach (string path in Directory.EnumerateFiles(_directory, "*" + Extension).Order(StringComparer.Ordinal))
        {
            byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            try
            {
                if (JsonSerializer.Deserialize(bytes, JournalJsonContext.Default.JournalEntry) is { } entry) entries.Add(entry);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"the scheduler journal entry {path} is not valid: {ex.Message}", ex);
            }
        }
        return entries;
    }

    /// <summary>The file of a request: its id with every character outside [A-Za-z0-9-.] escaped as _xxxx.</summary>
    private string PathOf(RequestId id)
    {
        var name = new StringBuilder(id.Value.Length + 8);
        foreach (char c in id.Value)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.') name.Append(c);
            else name.Append('_').Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
        }
        return Path.Combine(_directory, name + Extension);
    }
}
