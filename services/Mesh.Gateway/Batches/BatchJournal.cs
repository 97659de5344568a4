using System.Text.Json;

namespace Mesh.Gateway.Batches;

/// <summary>Where one finished line's entry sits in a journal, and what resuming needs to know of it.</summary>
/// <param name="CustomId">The line's custom id (it keeps owning it on resume).</param>
/// <param name="Succeeded">Output file (true) or error file.</param>
/// <param name="Start">Byte offset of the entry's JSON.</param>
/// <param name="Length">Its length in bytes, without the newline.</param>
internal readonly record struct JournalMark(string? CustomId, bool Succeeded, long Start, int Length);

/// <summary>
/// A batch's finished lines, one <see cref="JournalEntry"/> per line of JSON, appended and flushed to disk as lines
/// finish. It is what makes a restart resume instead of re-running: a line with an entry is never submitted again.
/// A crash can leave a torn last line; <see cref="OpenAsync"/> drops it (its input line runs again) before appending.
/// Only <see cref="JournalMark"/>s stay in memory; the results are read back one by one when the files are written.
/// One writer: the batch's runner.
/// </summary>
internal sealed class BatchJournal : IAsyncDisposable
{
    /// <summary>The file, open for appending.</summary>
    private readonly FileStream _stream;

    private BatchJournal(FileStream stream, Dictionary<int, JournalMark> marks)
    {
        _stream = stream;
        Marks = marks;
    }

    /// <summary>Finished lines by input line number (1-based): those read at open plus those appended since.</summary>
    public Dictionary<int, JournalMark> Marks { get; }

    /// <summary>Opens (or creates) the journal at <paramref name="path"/>, reading what it holds.</summary>
    public static async Task<BatchJournal> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 64 << 10, FileOptions.Asynchronous);
        try
        {
            (Dictionary<int, JournalMark> marks, long intact) = await ScanAsync(stream, cancellationToken);
            stream.SetLength(intact);
            stream.Position = intact;
            return new BatchJournal(stream, marks);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>The marks of the journal at <paramref name="path"/> (none when there is no journal).</summary>
    public static async Task<Dictionary<int, JournalMark>> ReadMarksAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) return [];
        await using FileStream stream = OpenRead(path);
        return (await ScanAsync(stream, cancellationToken)).Marks;
    }

    /// <summary>Opens the journal at <paramref name="path"/> for <see cref="ReadEntryAsync"/>.</summary>
    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 << 10, FileOptions.Asynchronous | FileOptions.RandomAccess);

    /// <summary>The entry at <paramref name="mark"/>.</summary>
    public static async Task<JournalEntry> ReadEntryAsync(FileStream journal, JournalMark mark, CancellationToken cancellationToken)
    {
        byte[] json = new byte[mark.Length];
        journal.Position = mark.Start;
        await journal.ReadExactlyAsync(json, cancellationToken);
        return JsonSerializer.Deserialize(json, BatchJsonContext.Default.JournalEntry)
            ?? throw new InvalidDataException($"The journal entry at byte {mark.Start} of {journal.Name} is null.");
    }

    /// <summary>Appends <paramref name="entries"/> and flushes them to disk.</summary>
    public async Task AppendAsync(IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken)
    {
        foreach (JournalEntry entry in entries)
        {
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(entry, BatchJsonContext.Default.JournalEntry);
            long start = _stream.Position;
            await _stream.WriteAsync(json, cancellationToken);
            _stream.WriteByte((byte)'\n');
            Marks.TryAdd(entry.Line, new JournalMark(entry.CustomId, entry.Succeeded, start, json.Length));
        }
        await _stream.FlushAsync(cancellationToken);
        _stream.Flush(flushToDisk: true);
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    /// <summary>Marks up to the last complete, readable line, and where that line ends.</summary>
    private static async Task<(Dictionary<int, JournalMark> Marks, long Intact)> ScanAsync(FileStream stream, CancellationToken cancellationToken)
    {
        Dictionary<int, JournalMark> marks = [];
        long intact = 0;
        await foreach (JsonlLine line in JsonlReader.ReadAsync(stream, int.MaxValue, cancellationToken))
        {
            if (!line.Terminated || line.End != intact + line.Bytes.Length + 1) break;
            JournalEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize(line.Bytes.Span, BatchJsonContext.Default.JournalEntry);
            }
            catch (JsonException)
            {
                break;
            }
            if (entry is null) break;
            marks.TryAdd(entry.Line, new JournalMark(entry.CustomId, entry.Succeeded, intact, line.Bytes.Length));
            intact = line.End;
        }
        return (marks, intact);
    }
}
