using System.Text;
using System.Text.Json;
using Mesh.Gateway.Batches;

namespace Mesh.Gateway.Tests;

/// <summary>The pieces that make batches durable: the JSONL line reader and the result journal.</summary>
public sealed class BatchStorageTests
{
    [Fact]
    public async Task The_line_reader_numbers_lines_skips_blank_ones_and_skips_over_oversized_ones()
    {
        string text = "{\"a\":1}\r\n\n   \n" + new string('x', 100) + "\n{\"b\":2}\n{\"c\":3}";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));

        List<(int Number, string Text, bool Oversized, bool Terminated, long End)> lines = [];
        await foreach (JsonlLine line in JsonlReader.ReadAsync(stream, maxLineBytes: 50, CancellationToken.None))
            lines.Add((line.Number, Encoding.UTF8.GetString(line.Bytes.Span), line.Oversized, line.Terminated, line.End));

        Assert.Equal(
            [
                (1, "{\"a\":1}", false, true, 9L),
                (4, "", true, true, 9L + 1 + 4 + 101),
                (5, "{\"b\":2}", false, true, 9L + 1 + 4 + 101 + 8),
                (6, "{\"c\":3}", false, false, text.Length),
            ],
            lines);
    }

    [Fact]
    public async Task A_torn_last_journal_line_is_dropped_and_appending_continues_after_the_intact_ones()
    {
        string path = Path.Combine(Path.GetTempPath(), "mesh-batch-journal-" + Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            JsonElement body = JsonDocument.Parse("{\"ok\":true}").RootElement;
            await using (BatchJournal journal = await BatchJournal.OpenAsync(path, CancellationToken.None))
                await journal.AppendAsync([BatchResults.Success(1, "a", "r1", body), BatchResults.Success(3, "c", "r3", body)], CancellationToken.None);
            await File.AppendAllTextAsync(path, "{\"line\":2,\"custom_id\":\"b\",\"succ"); // a crash in the middle of a write

            await using (BatchJournal reopened = await BatchJournal.OpenAsync(path, CancellationToken.None))
            {
                Assert.Equal([1, 3], reopened.Marks.Keys.Order());
                await reopened.AppendAsync([BatchResults.Failure(2, "b", OpenAiException.ModelNotFound("m"))], CancellationToken.None);
            }

            Dictionary<int, JournalMark> marks = await BatchJournal.ReadMarksAsync(path, CancellationToken.None);
            Assert.Equal([1, 2, 3], marks.Keys.Order());
            Assert.Equal([("a", true), ("b", false), ("c", true)], marks.OrderBy(m => m.Key).Select(m => (m.Value.CustomId, m.Value.Succeeded)));
            await using FileStream reader = BatchJournal.OpenRead(path);
            Assert.Equal("r3", (await BatchJournal.ReadEntryAsync(reader, marks[3], CancellationToken.None)).Result.Response!.RequestId);
            JournalEntry second = await BatchJournal.ReadEntryAsync(reader, marks[2], CancellationToken.None);
            Assert.Equal(404, second.Result.Response!.StatusCode);
            Assert.Equal("model_not_found", second.Result.Response.Body.GetProperty("error").GetProperty("code").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
