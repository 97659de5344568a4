using System.Globalization;

namespace Mesh.Bench.Trace;

/// <summary>
/// The Azure LLM inference trace 2023 (Splitwise, ISCA'24): CSV with the header
/// <c>TIMESTAMP,ContextTokens,GeneratedTokens</c>, timestamps <c>yyyy-MM-dd HH:mm:ss.fffffff</c> in sorted order,
/// CRLF line ends, no newline after the last row. Arrivals are offsets from the first row.
/// </summary>
public static class AzureTraceReader
{
    /// <summary>The header every file of the trace starts with.</summary>
    public const string Header = "TIMESTAMP,ContextTokens,GeneratedTokens";

    private const string TimestampFormat = "yyyy-MM-dd HH:mm:ss.fffffff";

    /// <summary>Every row of <paramref name="path"/>.</summary>
    /// <exception cref="TraceFormatException">A wrong header, a malformed row, a count below 1, or rows out of time order.</exception>
    public static IReadOnlyList<TraceRequest> Read(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Every row of the CSV text in <paramref name="reader"/>; <paramref name="name"/> names it in errors.</summary>
    public static IReadOnlyList<TraceRequest> Read(TextReader reader, string name)
    {
        string? header = reader.ReadLine();
        if (header != Header) throw new TraceFormatException(name, 1, $"expected the header '{Header}', found '{header}'");
        var requests = new List<TraceRequest>();
        DateTime first = default, previous = default;
        int line = 1;
        for (string? text = reader.ReadLine(); text is not null; text = reader.ReadLine())
        {
            line++;
            if (text.Length == 0) continue;
            string[] fields = text.Split(',');
            if (fields.Length != 3) throw new TraceFormatException(name, line, $"expected 3 fields, found {fields.Length}: '{text}'");
            if (!DateTime.TryParseExact(fields[0], TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime at))
                throw new TraceFormatException(name, line, $"TIMESTAMP '{fields[0]}' is not {TimestampFormat}");
            if (requests.Count == 0) first = previous = at;
            if (at < previous) throw new TraceFormatException(name, line, $"TIMESTAMP {fields[0]} is earlier than the row before it");
            previous = at;
            requests.Add(new TraceRequest(at - first, Count(fields[1], "ContextTokens", name, line), Count(fields[2], "GeneratedTokens", name, line)));
        }
        return requests;
    }

    private static int Count(string text, string field, string name, int line) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
            ? n
            : throw new TraceFormatException(name, line, $"{field} must be a whole number ≥ 1, found '{text}'");
}
