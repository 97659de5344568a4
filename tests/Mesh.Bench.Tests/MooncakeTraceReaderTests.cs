using Mesh.Bench.Tests.Support;
using Mesh.Bench.Trace;

namespace Mesh.Bench.Tests;

/// <summary>The Mooncake JSONL reader on the real conversation trace and on lines with each kind of mistake.</summary>
public sealed class MooncakeTraceReaderTests
{
    [SkippableFact]
    public void Reads_every_line_of_the_conversation_trace()
    {
        Skip.If(TraceData.MooncakeConversation is null, TraceData.Missing(TraceFile.MooncakeConversation));
        IReadOnlyList<TraceRequest> rows = TraceFile.Load(TraceData.MooncakeConversation!);

        Assert.Equal(12_031, rows.Count);
        Assert.Equal((6758, 500), (rows[0].ContextTokens, rows[0].GeneratedTokens));
        Assert.Equal(Enumerable.Range(0, 14), rows[0].BlockHashes!);
        Assert.Equal([0, .. Enumerable.Range(14, 14)], rows[1].BlockHashes!);
        Assert.Equal(TimeSpan.FromMilliseconds(3_536_999), rows[^1].Arrival);
        Assert.Equal(12_035, rows.Average(r => r.ContextTokens), 0);
        Assert.Equal(182_790, rows.SelectMany(r => r.BlockHashes!).Distinct().Count());
    }

    [Fact]
    public void Timestamps_are_milliseconds_and_hash_ids_are_kept()
    {
        var rows = Read("""
            {"timestamp": 0, "input_length": 513, "output_length": 3, "hash_ids": [4, 9]}

            {"timestamp": 1500, "input_length": 512, "output_length": 1, "hash_ids": [4]}
            """);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromMilliseconds(1500)], rows.Select(r => r.Arrival));
        Assert.Equal([4, 9], rows[0].BlockHashes!);
        Assert.Equal((512, 1), (rows[1].ContextTokens, rows[1].GeneratedTokens));
    }

    [Theory]
    [InlineData("""{"timestamp": 0, "input_length": 513, "output_length": 3, "hash_ids": [4]}""", "need 2")]
    [InlineData("""{"timestamp": 0, "input_length": 5, "output_length": 3}""", "hash_ids is missing")]
    [InlineData("""{"timestamp": 0, "output_length": 3, "hash_ids": [1]}""", "input_length")]
    [InlineData("""{"timestamp": 0, "input_length": 5, "output_length": 0, "hash_ids": [1]}""", "output_length")]
    [InlineData("""{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [1]""", "not a JSON request object")]
    [InlineData("""{"input_length": 5, "output_length": 1, "hash_ids": [1]}""", "timestamp")]
    public void A_malformed_line_is_refused_with_its_number(string line, string problem)
    {
        var ex = Assert.Throws<TraceFormatException>(() => Read("""{"timestamp": 0, "input_length": 1, "output_length": 1, "hash_ids": [7]}""" + "\n" + line));
        Assert.Equal(2, ex.Line);
        Assert.Contains(problem, ex.Message);
    }

    [Fact]
    public void Lines_out_of_time_order_are_refused()
    {
        var ex = Assert.Throws<TraceFormatException>(() => Read("""
            {"timestamp": 10, "input_length": 1, "output_length": 1, "hash_ids": [7]}
            {"timestamp": 9, "input_length": 1, "output_length": 1, "hash_ids": [7]}
            """));
        Assert.Equal(2, ex.Line);
        Assert.Contains("earlier", ex.Message);
    }

    [Fact]
    public void An_unknown_extension_and_a_missing_file_are_named()
    {
        Assert.Contains(".csv", Assert.Throws<ArgumentException>(() => TraceFile.Load(typeof(MooncakeTraceReaderTests).Assembly.Location)).Message);
        Assert.Throws<FileNotFoundException>(() => TraceFile.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".csv")));
    }

    private static IReadOnlyList<TraceRequest> Read(string text) => MooncakeTraceReader.Read(new StringReader(text), "test.jsonl");
}
