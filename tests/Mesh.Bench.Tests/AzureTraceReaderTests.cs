using Mesh.Bench.Tests.Support;
using Mesh.Bench.Trace;

namespace Mesh.Bench.Tests;

/// <summary>The Azure LLM inference trace reader on the real files (row counts, first rows, spans and means as
/// SOURCES.md states them) and on small texts with each kind of mistake.</summary>
public sealed class AzureTraceReaderTests
{
    [SkippableFact]
    public void Reads_every_row_of_the_conversation_trace()
    {
        Skip.If(TraceData.AzureConversation is null, TraceData.Missing(TraceFile.AzureConversation));
        IReadOnlyList<TraceRequest> rows = TraceFile.Load(TraceData.AzureConversation!);

        Assert.Equal(19_366, rows.Count);
        Assert.Equal(new TraceRequest(TimeSpan.Zero, 374, 44), rows[0]);
        Assert.Equal(TimeSpan.FromTicks(43_145_790), rows[1].Arrival);   // 18:15:50.9951690 − 18:15:46.6805900
        Assert.Equal(396, rows[1].ContextTokens);
        Assert.InRange(rows[^1].Arrival.TotalSeconds, 3_501, 3_503);
        Assert.Equal(1155, rows.Average(r => r.ContextTokens), 0);
        Assert.Equal(211, rows.Average(r => r.GeneratedTokens), 0);
        Assert.Equal(14_050, rows.Max(r => r.ContextTokens));
        Assert.All(rows, r => Assert.Null(r.BlockHashes));
    }

    [SkippableFact]
    public void Reads_the_code_trace_whose_last_row_has_no_line_end()
    {
        Skip.If(TraceData.AzureCode is null, TraceData.Missing(TraceFile.AzureCode));
        IReadOnlyList<TraceRequest> rows = TraceFile.Load(TraceData.AzureCode!);

        Assert.Equal(8_819, rows.Count);
        Assert.Equal((549, 173), (rows[^1].ContextTokens, rows[^1].GeneratedTokens));
        Assert.InRange(rows[^1].Arrival.TotalSeconds, 3_435, 3_437);
        Assert.Equal(7_437, rows.Max(r => r.ContextTokens));
    }

    [Fact]
    public void Arrivals_are_offsets_from_the_first_row()
    {
        var rows = Read("TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.5000000,10,2\r\n2023-11-16 18:15:48.2500001,7,1");

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromTicks(17_500_001)], rows.Select(r => r.Arrival));
        Assert.Equal([10, 7], rows.Select(r => r.ContextTokens));
    }

    [Theory]
    [InlineData("TIMESTAMP,Context,Generated\n2023-11-16 18:15:46.0000000,1,1", 1, "header")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,1", 2, "TIMESTAMP")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.0000000,0,1", 2, "ContextTokens")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.0000000,1,x", 2, "GeneratedTokens")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.0000000,1", 2, "3 fields")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.0000000,1,1\n2023-11-16 18:15:45.0000000,1,1", 3, "earlier")]
    public void A_malformed_file_is_refused_with_its_line(string text, int line, string problem)
    {
        var ex = Assert.Throws<TraceFormatException>(() => Read(text));
        Assert.Equal(line, ex.Line);
        Assert.Contains(problem, ex.Message);
        Assert.StartsWith("test.csv:", ex.Message);
    }

    private static IReadOnlyList<TraceRequest> Read(string text) => AzureTraceReader.Read(new StringReader(text), "test.csv");
}
