using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Bench.Trace;

/// <summary>
/// The Mooncake FAST'25 traces: JSONL, one request a line,
/// <c>{"timestamp": ms since trace start, "input_length", "output_length", "hash_ids": [...]}</c>, timestamps sorted.
/// <c>hash_ids</c> name the prompt's 512-token prefix blocks; on every row there are ⌈input_length / 512⌉ of them.
/// </summary>
public static class MooncakeTraceReader
{
    /// <summary>Every line of <paramref name="path"/>.</summary>
    /// <exception cref="TraceFormatException">Malformed JSON, a missing field, a length below 1, a hash id count that does not
    /// match the input length, or lines out of time order.</exception>
    public static IReadOnlyList<TraceRequest> Read(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Every line of the JSONL text in <paramref name="reader"/>; <paramref name="name"/> names it in errors.</summary>
    public static IReadOnlyList<TraceRequest> Read(TextReader reader, string name)
    {
        var requests = new List<TraceRequest>();
        long previous = 0;
        int line = 0;
        for (string? text = reader.ReadLine(); text is not null; text = reader.ReadLine())
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            MooncakeLine row = Parse(text, name, line);
            if (row.Timestamp is not { } ms || ms < 0) throw new TraceFormatException(name, line, "timestamp is missing or negative");
            if (ms < previous) throw new TraceFormatException(name, line, $"timestamp {ms} is earlier than the line before it ({previous})");
            previous = ms;
            if (row.InputLength is not (>= 1 and var input)) throw new TraceFormatException(name, line, "input_length is missing or below 1");
            if (row.OutputLength is not (>= 1 and var output)) throw new TraceFormatException(name, line, "output_length is missing or below 1");
            int[] hashes = row.HashIds ?? throw new TraceFormatException(name, line, "hash_ids is missing");
            int blocks = (input + TraceFile.MooncakeBlockTokens - 1) / TraceFile.MooncakeBlockTokens;
            if (hashes.Length != blocks)
                throw new TraceFormatException(name, line, $"{hashes.Length} hash_ids for {input} input tokens; {TraceFile.MooncakeBlockTokens}-token blocks need {blocks}");
            requests.Add(new TraceRequest(TimeSpan.FromMilliseconds(ms), input, output, hashes));
        }
        return requests;
    }

    private static MooncakeLine Parse(string text, string name, int line)
    {
        try
        {
            return JsonSerializer.Deserialize(text, MooncakeJsonContext.Default.MooncakeLine)
                ?? throw new TraceFormatException(name, line, "expected a JSON object, found null");
        }
        catch (JsonException ex)
        {
            throw new TraceFormatException(name, line, $"not a JSON request object: {ex.Message}");
        }
    }
}

/// <summary>One line of a Mooncake trace; every member nullable so a missing one is reported by name.</summary>
internal sealed record MooncakeLine(long? Timestamp, int? InputLength, int? OutputLength, int[]? HashIds);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(MooncakeLine))]
internal sealed partial class MooncakeJsonContext : JsonSerializerContext;
