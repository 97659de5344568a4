using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Mesh.Gateway.Requests;
using TenantId = Mesh.Contracts.TenantId;
using static Mesh.Gateway.Batches.BatchStatus;

namespace Mesh.Gateway.Batches;

/// <summary>
/// Runs one batch from wherever its stored status says it is to an end, or until the gateway stops:
/// validating (count the lines) → in_progress (run every line without a journal entry) → finalizing (write the
/// output and error files) → completed; or → cancelled / expired with the lines finished so far. Each line is
/// parsed in file order; a bad line becomes an error entry at once, a good one waits for an in-flight slot (shared
/// by all batches) and runs concurrently. Results go through one channel to one writer, which appends them to the
/// journal. When the gateway stops, lines in flight are left without an entry, so they run again after a restart.
/// </summary>
internal sealed class BatchExecution(
    string batchId,
    BatchStore batches,
    FileStore files,
    BatchLineParser parser,
    BatchRequestRunner requests,
    SemaphoreSlim slots,
    int maxRequestsPerBatch,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>How a pass over the lines ended.</summary>
    private enum Outcome { Finished, Stopped, Cancelled, Expired }

    /// <summary>Results waiting for the journal writer: bounded, so parse errors cannot run ahead of the disk.</summary>
    private const int ResultQueueCapacity = 256;

    /// <summary>Fired by <see cref="Cancel"/>.</summary>
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>Stops submitting lines and cancels those in flight; the batch ends as cancelled.</summary>
    public void Cancel() => _cancel.Cancel();

    public string BatchId => batchId;

    /// <summary>Advances the batch until it ends or <paramref name="stopping"/> fires.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        StoredBatch batch = Current();
        while (!IsTerminal(batch.Status) && !stopping.IsCancellationRequested)
        {
            batch = batch.Status switch
            {
                Validating => await ValidateAsync(batch, stopping),
                InProgress => await RunLinesAsync(batch, stopping),
                Cancelling => await FinishAsync(Cancelled, stopping),
                Finalizing => await FinishAsync(Completed, stopping),
                _ => throw new InvalidOperationException($"Batch {batchId} has an unknown status '{batch.Status}'."),
            };
        }
    }

    /// <summary>Ends the batch as failed with <paramref name="error"/> (the runner's fault sink).</summary>
    public Task FailAsync(Exception error) =>
        FailAsync("internal_error", $"The batch stopped on an error in the gateway: {error.Message}", CancellationToken.None);

    private StoredBatch Current() => batches.Get(batchId) ?? throw new InvalidOperationException($"Batch {batchId} is not in the store.");

    private long Now() => time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Counts the request lines; an empty or too large input fails the batch.</summary>
    private async Task<StoredBatch> ValidateAsync(StoredBatch batch, CancellationToken stopping)
    {
        if (files.Get(batch.Batch.InputFileId, batch.Tenant) is null)
            return await FailAsync("file_not_found", $"The input file {batch.Batch.InputFileId} no longer exists.", stopping);
        int total = 0;
        await using (FileStream input = files.OpenContent(batch.Batch.InputFileId))
        {
            await foreach (JsonlLine _ in JsonlReader.ReadAsync(input, parser.MaxLineBytes, stopping)) total++;
        }
        int limit = maxRequestsPerBatch;
        if (total == 0) return await FailAsync("empty_file", "The input file has no request lines.", stopping);
        if (total > limit)
            return await FailAsync("too_many_requests", $"The input file has {total} request lines; a batch may have at most {limit}.", stopping);
        long now = Now();
        return await batches.UpdateAsync(batchId, b => b.Status != Validating ? b : b with
        {
            Batch = b.Batch with { Status = InProgress, InProgressAt = now, RequestCounts = new RequestCounts(total, 0, 0) },
        }, persist: true, stopping);
    }

    private async Task<StoredBatch> RunLinesAsync(StoredBatch batch, CancellationToken stopping)
    {
        await using BatchJournal journal = await BatchJournal.OpenAsync(batches.JournalPath(batchId), stopping);
        int done = journal.Marks.Count;
        if (done > 0) logger.Resumed(batchId, done);
        int completed = journal.Marks.Values.Count(m => m.Succeeded);
        await batches.UpdateAsync(batchId, b => b with
        {
            Batch = b.Batch with { RequestCounts = b.Batch.RequestCounts with { Completed = completed, Failed = done - completed } },
        }, persist: false, stopping);

        TimeSpan left = DateTimeOffset.FromUnixTimeSeconds(batch.Batch.ExpiresAt) - time.GetUtcNow();
        using var expiry = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, time);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stopping, _cancel.Token, expiry.Token);
        using var writerFailed = new CancellationTokenSource();
        using var lines = CancellationTokenSource.CreateLinkedTokenSource(run.Token, writerFailed.Token);
        Channel<JournalEntry> results = Channel.CreateBounded<JournalEntry>(new BoundedChannelOptions(ResultQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        // The writer adds to the journal's marks while lines run: the submit loop reads a copy taken before.
        Dictionary<int, JournalMark> finished = new(journal.Marks);
        Task<Exception?> writer = WriteResultsAsync(journal, results.Reader, writerFailed);
        await SubmitLinesAsync(batch, finished, results.Writer, lines.Token);
        results.Writer.Complete();
        if (await writer is { } failure) throw new IOException($"Could not record results of batch {batchId}: {failure.Message}", failure);

        Outcome outcome = stopping.IsCancellationRequested ? Outcome.Stopped
            : _cancel.IsCancellationRequested || Current().Status == Cancelling ? Outcome.Cancelled
            : expiry.IsCancellationRequested ? Outcome.Expired
            : Outcome.Finished;
        switch (outcome)
        {
            case Outcome.Stopped:
                return Current();
            case Outcome.Expired:
                await RecordExpiredAsync(batch, journal, stopping);
                return await FinishAsync(Expired, stopping);
            case Outcome.Cancelled:
                return await FinishAsync(Cancelled, stopping);
            default:
                long now = Now();
                return await batches.UpdateAsync(batchId, b => b.Status != InProgress ? b : b with
                {
                    Batch = b.Batch with { Status = Finalizing, FinalizingAt = now },
                }, persist: true, stopping);
        }
    }

    /// <summary>Reads the input in order and runs every line without an entry; returns once all started lines ended.</summary>
    private async Task SubmitLinesAsync(StoredBatch batch, Dictionary<int, JournalMark> finished, ChannelWriter<JournalEntry> results, CancellationToken token)
    {
        // The first line (in file order) that carries a custom id owns it, whatever became of that line.
        Dictionary<string, int> owners = new(StringComparer.Ordinal);
        ConcurrentDictionary<int, Task> running = new();
        try
        {
            await using FileStream input = files.OpenContent(batch.Batch.InputFileId);
            await foreach (JsonlLine line in JsonlReader.ReadAsync(input, parser.MaxLineBytes, token))
            {
                if (finished.TryGetValue(line.Number, out JournalMark mark))
                {
                    if (mark.CustomId is { } owned) owners.TryAdd(owned, line.Number);
                    continue;
                }
                (string? customId, GatewayRequest? request, OpenAiException? error) = await PrepareAsync(batch, line, owners, token);
                if (request is null)
                {
                    await results.WriteAsync(BatchResults.Failure(line.Number, customId, error!), token);
                    continue;
                }
                await slots.WaitAsync(token);
                int number = line.Number;
                running[number] = RunLineAsync(number, customId!, request, results, running, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped, cancelled or expired: the lines not started have no entry.
        }
        finally
        {
            await Task.WhenAll(running.Values);
        }
    }

    /// <summary>
    /// The request a line asks for, or why it cannot run: too long, a bad envelope, a custom id an earlier line owns,
    /// or a body the endpoint would refuse. Claims the line's custom id in <paramref name="owners"/>.
    /// </summary>
    private async Task<(string? CustomId, GatewayRequest? Request, OpenAiException? Error)> PrepareAsync(
        StoredBatch batch, JsonlLine line, Dictionary<string, int> owners, CancellationToken token)
    {
        if (line.Oversized) return (null, null, parser.LineTooLarge(line.Number));
        LineEnvelope envelope = BatchLineParser.ReadEnvelope(line, batch.Batch.Endpoint);
        if (envelope.CustomId is { } customId && !owners.TryAdd(customId, line.Number))
            return (customId, null, BatchResults.DuplicateCustomId(customId, owners[customId]));
        if (envelope.Error is not null) return (envelope.CustomId, null, envelope.Error);
        try
        {
            GatewayRequest request = await parser.MapAsync(
                envelope.Body!, batch.Batch.Endpoint, new TenantId(batch.Tenant), DateTimeOffset.FromUnixTimeSeconds(batch.Batch.ExpiresAt), token);
            return (envelope.CustomId, request, null);
        }
        catch (OpenAiException invalid)
        {
            return (envelope.CustomId, null, invalid);
        }
    }

    /// <summary>Runs one line in a slot taken for it; never throws.</summary>
    private async Task RunLineAsync(
        int line, string customId, GatewayRequest request, ChannelWriter<JournalEntry> results, ConcurrentDictionary<int, Task> running, CancellationToken token)
    {
        try
        {
            JournalEntry entry;
            try
            {
                entry = await requests.RunAsync(line, customId, request, token);
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                logger.LineFaulted(ex, batchId, line);
                entry = BatchResults.Failure(line, customId, BatchResults.Internal(ex), request.Id.Value);
            }
            await results.WriteAsync(entry, CancellationToken.None);
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // Unfinished: it runs again after a restart, and stays out of a cancelled or expired batch's output.
        }
        finally
        {
            slots.Release();
            running.TryRemove(line, out _);
        }
    }

    /// <summary>
    /// The one journal writer: appends what arrived, flushes, and updates the counts. On a write error it fires
    /// <paramref name="failed"/> (so no more lines start), keeps draining so no line blocks, and returns the error.
    /// </summary>
    private async Task<Exception?> WriteResultsAsync(BatchJournal journal, ChannelReader<JournalEntry> reader, CancellationTokenSource failed)
    {
        await Task.Yield();
        List<JournalEntry> pending = [];
        Exception? failure = null;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out JournalEntry? entry)) pending.Add(entry);
            if (failure is null)
            {
                try
                {
                    await journal.AppendAsync(pending, CancellationToken.None);
                    int ok = pending.Count(e => e.Succeeded), bad = pending.Count - ok;
                    await batches.UpdateAsync(batchId, b => b with
                    {
                        Batch = b.Batch with
                        {
                            RequestCounts = b.Batch.RequestCounts with
                            {
                                Completed = b.Batch.RequestCounts.Completed + ok,
                                Failed = b.Batch.RequestCounts.Failed + bad,
                            },
                        },
                    }, persist: false, CancellationToken.None);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    failure = ex;
                    await failed.CancelAsync();
                }
            }
            pending.Clear();
        }
        return failure;
    }

    /// <summary>Gives every line without an entry a <c>batch_expired</c> error entry.</summary>
    private async Task RecordExpiredAsync(StoredBatch batch, BatchJournal journal, CancellationToken stopping)
    {
        List<JournalEntry> expired = [];
        await using (FileStream input = files.OpenContent(batch.Batch.InputFileId))
        {
            await foreach (JsonlLine line in JsonlReader.ReadAsync(input, parser.MaxLineBytes, stopping))
            {
                if (journal.Marks.ContainsKey(line.Number)) continue;
                string? customId = line.Oversized ? null : BatchLineParser.ReadEnvelope(line, batch.Batch.Endpoint).CustomId;
                expired.Add(BatchResults.Expired(line.Number, customId));
            }
        }
        if (expired.Count > 0) await journal.AppendAsync(expired, stopping);
    }

    /// <summary>
    /// Writes the output and error files from the journal (in input line order), then ends the batch as
    /// <paramref name="status"/>. Safe to repeat after a crash: the file ids were chosen when the batch was created.
    /// </summary>
    private async Task<StoredBatch> FinishAsync(string status, CancellationToken stopping)
    {
        StoredBatch batch = Current();
        string journalPath = batches.JournalPath(batchId);
        Dictionary<int, JournalMark> marks = await BatchJournal.ReadMarksAsync(journalPath, stopping);
        JournalMark[] outputs = [.. marks.Where(m => m.Value.Succeeded).OrderBy(m => m.Key).Select(m => m.Value)];
        JournalMark[] errors = [.. marks.Where(m => !m.Value.Succeeded).OrderBy(m => m.Key).Select(m => m.Value)];
        string? outputId = await WriteResultFileAsync(batch, batch.OutputFileId, "output", journalPath, outputs, stopping);
        string? errorId = await WriteResultFileAsync(batch, batch.ErrorFileId, "error", journalPath, errors, stopping);
        long now = Now();
        StoredBatch ended = await batches.UpdateAsync(batchId, b => b with
        {
            Batch = b.Batch with
            {
                Status = status,
                OutputFileId = outputId,
                ErrorFileId = errorId,
                RequestCounts = b.Batch.RequestCounts with { Completed = outputs.Length, Failed = errors.Length },
                CompletedAt = status == Completed ? now : b.Batch.CompletedAt,
                CancelledAt = status == Cancelled ? now : b.Batch.CancelledAt,
                ExpiredAt = status == Expired ? now : b.Batch.ExpiredAt,
            },
        }, persist: true, stopping);
        RequestCounts counts = ended.Batch.RequestCounts;
        logger.Ended(batchId, status, counts.Total, counts.Completed, counts.Failed);
        return ended;
    }

    /// <summary>Writes the results at <paramref name="marks"/> as a file (none when there are none), one entry in memory at a time.</summary>
    private async Task<string?> WriteResultFileAsync(
        StoredBatch batch, string fileId, string kind, string journalPath, JournalMark[] marks, CancellationToken stopping)
    {
        if (marks.Length == 0) return null;
        await using FileStream journal = BatchJournal.OpenRead(journalPath);
        await files.WriteAsync(fileId, $"{batch.Id}_{kind}.jsonl", FilePurposes.BatchOutput, batch.Tenant, async (stream, ct) =>
        {
            foreach (JournalMark mark in marks)
            {
                JournalEntry entry = await BatchJournal.ReadEntryAsync(journal, mark, ct);
                await JsonSerializer.SerializeAsync(stream, entry.Result, BatchJson.Context.BatchOutputLine, ct);
                stream.WriteByte((byte)'\n');
            }
        }, stopping);
        return fileId;
    }

    /// <summary>Ends the batch as failed, with one batch-level error, unless it already ended.</summary>
    private async Task<StoredBatch> FailAsync(string code, string message, CancellationToken stopping)
    {
        long now = Now();
        StoredBatch failed = await batches.UpdateAsync(batchId, b => IsTerminal(b.Status) ? b : b with
        {
            Batch = b.Batch with
            {
                Status = BatchStatus.Failed,
                FailedAt = now,
                Errors = new BatchErrors("list", [new BatchError(code, message, null, null)]),
            },
        }, persist: true, stopping);
        RequestCounts counts = failed.Batch.RequestCounts;
        logger.Ended(batchId, failed.Status, counts.Total, counts.Completed, counts.Failed);
        return failed;
    }
}
