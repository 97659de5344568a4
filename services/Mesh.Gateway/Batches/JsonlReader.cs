using System.Buffers;
using System.Runtime.CompilerServices;

namespace Mesh.Gateway.Batches;

/// <summary>One non-blank line of a JSONL stream.</summary>
/// <param name="Number">1-based line number in the stream (blank lines count).</param>
/// <param name="Bytes">The line without its terminator (<c>\n</c> or <c>\r\n</c>); valid until the next line is read. Empty when <paramref name="Oversized"/>.</param>
/// <param name="Oversized">The line is longer than the reader's limit; its bytes were skipped, not kept.</param>
/// <param name="Terminated">The line ends with <c>\n</c> (only the stream's last line may not).</param>
/// <param name="End">Byte offset just past the line and its terminator.</param>
internal readonly record struct JsonlLine(int Number, ReadOnlyMemory<byte> Bytes, bool Oversized, bool Terminated, long End);

/// <summary>
/// Reads a JSONL stream line by line with a bounded line buffer: a line longer than the limit is reported as
/// <see cref="JsonlLine.Oversized"/> and skipped up to its newline, so one huge line neither fills memory nor stops
/// the lines after it. Blank lines are skipped.
/// </summary>
internal static class JsonlReader
{
    private const int ReadSize = 64 << 10;

    public static async IAsyncEnumerable<JsonlLine> ReadAsync(Stream stream, int maxLineBytes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[ReadSize];
        var line = new ArrayBufferWriter<byte>(Math.Min(maxLineBytes, ReadSize));
        bool oversized = false;
        int number = 0;
        long offset = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            int start = 0;
            while (start < read)
            {
                int newline = buffer.AsSpan(start, read - start).IndexOf((byte)'\n');
                int end = newline < 0 ? read : start + newline;
                if (!oversized) oversized = !Append(line, buffer.AsSpan(start, end - start), maxLineBytes);
                offset += end - start;
                if (newline < 0) break;
                offset++;
                number++;
                if (oversized || !IsBlank(line.WrittenSpan))
                    yield return new JsonlLine(number, oversized ? default : TrimCr(line.WrittenMemory), oversized, true, offset);
                line.ResetWrittenCount();
                oversized = false;
                start = end + 1;
            }
        }
        if (oversized || !IsBlank(line.WrittenSpan))
            yield return new JsonlLine(number + 1, oversized ? default : TrimCr(line.WrittenMemory), oversized, false, offset);
    }

    /// <summary>Appends while the line stays within the limit; false (and nothing kept) once it does not.</summary>
    private static bool Append(ArrayBufferWriter<byte> line, ReadOnlySpan<byte> part, int maxLineBytes)
    {
        if (line.WrittenCount + (long)part.Length > maxLineBytes)
        {
            line.ResetWrittenCount();
            return false;
        }
        line.Write(part);
        return true;
    }

    private static ReadOnlyMemory<byte> TrimCr(ReadOnlyMemory<byte> line) =>
        line.Length > 0 && line.Span[^1] == (byte)'\r' ? line[..^1] : line;

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.TrimStart(" \t\r"u8).IsEmpty;
}
