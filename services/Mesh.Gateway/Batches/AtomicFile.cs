namespace Mesh.Gateway.Batches;

/// <summary>
/// Writes a whole file so that readers, and a restart after a crash, see either the old content or the new, never
/// a part: the content goes to a temporary file beside the target, is flushed to disk, then renamed over it.
/// Leftover temporaries (a crash before the rename) end in <see cref="TempMarker"/> and are deleted by
/// <see cref="DeleteLeftovers"/>.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Part of every temporary file's name.</summary>
    public const string TempMarker = ".tmp-";

    private const int BufferSize = 64 << 10;

    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        string temp = TempPath(path);
        try
        {
            await using (FileStream stream = CreateTemp(temp))
            {
                await write(stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>A fresh temporary file beside <paramref name="path"/>, for callers that fill it themselves and then <see cref="Commit"/>.</summary>
    public static string TempPath(string path) => path + TempMarker + Guid.NewGuid().ToString("N");

    public static FileStream CreateTemp(string temp) =>
        new(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);

    /// <summary>Renames a flushed temporary file over <paramref name="path"/>.</summary>
    public static void Commit(string temp, string path) => File.Move(temp, path, overwrite: true);

    /// <summary>Deletes temporaries left in <paramref name="folder"/> by a crash.</summary>
    public static void DeleteLeftovers(string folder)
    {
        foreach (string temp in Directory.EnumerateFiles(folder, "*" + TempMarker + "*")) TryDelete(temp);
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Gone already, or still open elsewhere; a later start cleans it up.
        }
        catch (UnauthorizedAccessException)
        {
            // Same: never let cleanup hide the error that caused it.
        }
    }
}
