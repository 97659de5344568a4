using Microsoft.Extensions.Options;

namespace Mesh.Gateway.Batches;

/// <summary>
/// Hosts the batch executions: at start it resumes every batch the store holds that has not ended (status
/// validating, in_progress, finalizing or cancelling), and <see cref="Start"/> adds new ones. All executions share
/// one pool of <see cref="BatchOptions.MaxInFlight"/> line slots. At stop every execution is told to stop and
/// awaited: lines in flight are cancelled in the mesh and left unrecorded, to run again at the next start. An
/// execution that ends on an unexpected error is logged and its batch failed, with the error's message.
/// </summary>
internal sealed class BatchRunner(
    BatchStore batches,
    FileStore files,
    BatchLineParser parser,
    BatchRequestRunner requests,
    IOptions<BatchOptions> options,
    TimeProvider time,
    ILogger<BatchRunner> logger) : IHostedService, IDisposable
{
    /// <summary>Line slots shared by all batches: a line holds one from submission to its last reply.</summary>
    private readonly SemaphoreSlim _slots = new(options.Value.MaxInFlight, options.Value.MaxInFlight);

    /// <summary>Fired at stop.</summary>
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Executions running now, by batch id; guarded by itself.</summary>
    private readonly Dictionary<string, (BatchExecution Execution, Task Run)> _running = new(StringComparer.Ordinal);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (StoredBatch batch in batches.All())
            if (!BatchStatus.IsTerminal(batch.Status)) Start(batch.Id);
        return Task.CompletedTask;
    }

    /// <summary>Runs <paramref name="batchId"/> unless it is already running or the gateway is stopping.</summary>
    public void Start(string batchId)
    {
        lock (_running)
        {
            if (_stopping.IsCancellationRequested || _running.ContainsKey(batchId)) return;
            var execution = new BatchExecution(batchId, batches, files, parser, requests, _slots, options.Value.MaxRequestsPerBatch, time, logger);
            // The run removes itself under this lock, so it cannot end before it is listed.
            _running.Add(batchId, (execution, Task.Run(() => RunAsync(execution))));
        }
    }

    /// <summary>Tells a running batch to cancel; a batch not running now sees its cancelling status when it starts.</summary>
    public void Cancel(string batchId)
    {
        lock (_running)
        {
            if (_running.TryGetValue(batchId, out (BatchExecution Execution, Task Run) running)) running.Execution.Cancel();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // a host may stop its services again after giving up on the first stop (and disposing them)
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync();
        Task[] runs;
        lock (_running) runs = [.. _running.Values.Select(r => r.Run)];
        await Task.WhenAll(runs).WaitAsync(cancellationToken);
    }

    /// <summary>Releases the stop source and the slot semaphore once no execution uses them. An execution that outlived
    /// the host's stop (the host gives up waiting after its shutdown timeout) still gives its slots back as its lines
    /// unwind: disposing the semaphore under it failed the whole batch, which then never resumed, so they are left to
    /// the collector then.</summary>
    public void Dispose()
    {
        lock (_running)
            if (_running.Count > 0) return;
        _stopping.Dispose();
        _slots.Dispose();
    }

    private async Task RunAsync(BatchExecution execution)
    {
        try
        {
            await execution.RunAsync(_stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: the batch continues at the next start.
        }
        catch (Exception ex)
        {
            logger.BatchFaulted(ex, execution.BatchId);
            try
            {
                await execution.FailAsync(ex);
            }
            catch (Exception inner) when (inner is IOException or UnauthorizedAccessException)
            {
                logger.BatchFaulted(inner, execution.BatchId);
            }
        }
        finally
        {
            lock (_running) _running.Remove(execution.BatchId);
        }
    }
}
