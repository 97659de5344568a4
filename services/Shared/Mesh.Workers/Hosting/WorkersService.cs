using Mesh.Contracts;
using Mesh.KvCache;
using Mesh.ServiceDefaults.Bus;
using Mesh.Workers.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Workers.Hosting;

/// <summary>
/// Builds the process's engine workers at start (loading the model once for all of them) and publishes each
/// worker's load report every <see cref="WorkerOptions.ReportInterval"/>; the report is its heartbeat. Stops and
/// disposes them at shutdown.
/// </summary>
internal sealed class WorkersService(
    WorkerRegistry registry,
    IOptions<WorkerOptions> options,
    IServiceProvider services,
    IMeshBus bus,
    TimeProvider time,
    ILogger<EngineWorker> logger) : IHostedService
{
    private readonly List<EngineWorker> _workers = [];
    private readonly CancellationTokenSource _stopping = new();
    private ServedModel? _model;
    private Task _reports = Task.CompletedTask;
    private int _stopped;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        WorkerOptions o = options.Value;
        try
        {
            IKvBlockStore? store = services.GetService<IKvBlockStore>();
            WorkerSpec? stranded = registry.Specs.FirstOrDefault(s => s.Serves(WorkerRole.Prefill) != s.Serves(WorkerRole.Decode));
            if (stranded is not null && store is null)
                throw new InvalidOperationException(
                    $"worker {stranded.Id} serves {string.Join('+', stranded.Roles)} alone, so it hands KV off through the KV cache, " +
                    $"but none is configured: set {WorkerOptions.SectionName}:KvCacheUrl");
            long loadStart = time.GetTimestamp();
            _model = ServedModel.Load(o.Model!, o.ModelName, o.BlockSize, o.KvCacheType);
            ReportPanels(_model, loadStart);
            foreach (WorkerSpec spec in registry.Specs)
            {
                var worker = new EngineWorker(spec, _model, o, store, bus, time, logger);
                _workers.Add(worker);
                registry.Add(worker);
            }
        }
        catch (Exception ex)
        {
            registry.FailAll(ex);
            throw;
        }
        _reports = Task.Run(() => ReportAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Logs when the model's panels (prepared in the background) are ready, or why they failed.</summary>
    private void ReportPanels(ServedModel model, long loadStart)
    {
        if (model.Model.PanelWeights is not { } panels) return;
        panels.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) logger.PanelsReady(model.Name, (long)time.GetElapsedTime(loadStart).TotalMilliseconds);
            else logger.PanelsFailed(model.Name, t.Exception!.InnerException ?? t.Exception);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task ReportAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.Value.ReportInterval, time);
        try
        {
            do
            {
                foreach (EngineWorker worker in _workers)
                {
                    if (worker.Dead) continue;
                    try
                    {
                        WorkerLoadReport report = await worker.ReportAsync(stop).ConfigureAwait(false);
                        await bus.PublishAsync(Topics.WorkerLoad, report, stop).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        logger.LoadReportFailed(ex, worker.Id);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops the reports and disposes the workers; a second call (the host stopping twice) does nothing.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _reports.ConfigureAwait(false);
        foreach (EngineWorker worker in _workers) await worker.DisposeAsync().ConfigureAwait(false);
        _workers.Clear();
        _model?.Dispose();
        _stopping.Dispose();
    }
}
