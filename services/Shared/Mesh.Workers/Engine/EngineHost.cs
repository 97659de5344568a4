using System.Threading.Channels;
using Mesh.Engine.Scheduling;
using Microsoft.Extensions.Logging;

namespace Mesh.Workers.Engine;

/// <summary>
/// The one owner of an <see cref="InferenceEngine"/>. A single loop takes commands from a bounded channel
/// (add a prompt, resume a sequence, cancel, export held KV, report load), runs them between steps, steps
/// while the engine has work, and hands each output to its sequence's observer. Nothing else touches the
/// engine, so the engine needs no locks and continuous batching sees every sequence of the worker.
/// </summary>
/// <remarks>
/// Commands run in the order queued. A step that throws (the KV pool cannot hold what is queued) drops every
/// observed sequence with <see cref="EngineOverloadedException"/>; their requests are retried by the scheduler.
/// The loop runs on a thread-pool thread; while the engine has work that thread computes steps.
/// </remarks>
public sealed class EngineHost : IAsyncDisposable
{
    /// <summary>Commands waiting for the loop; bounded, so callers wait while the loop is far behind.</summary>
    private readonly Channel<EngineCommand> _commands;

    /// <summary>The engine and its per-sequence bookkeeping; touched only by the loop.</summary>
    private readonly EngineSession _session;

    private readonly ILogger _logger;

    /// <summary>Cancelled by <see cref="DisposeAsync"/>.</summary>
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The loop; set by <see cref="Start"/>.</summary>
    private Task _loop = Task.CompletedTask;

    /// <summary>0 until started, 1 after.</summary>
    private int _started;

    /// <param name="engine">The engine this host owns from now on (and disposes).</param>
    /// <param name="commandCapacity">Commands queued before callers wait.</param>
    /// <param name="logger">Engine faults.</param>
    public EngineHost(InferenceEngine engine, int commandCapacity, ILogger logger)
    {
        _session = new EngineSession(engine);
        _logger = logger;
        _commands = Channel.CreateBounded<EngineCommand>(new BoundedChannelOptions(commandCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Starts the loop; starting twice is harmless.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) return;
        CancellationToken stop = _stopping.Token;
        _loop = Task.Run(() => RunAsync(stop), CancellationToken.None);
    }

    /// <summary>Commands written and not yet taken by the loop (it takes every waiting command before each step).</summary>
    public int QueuedCommands => _commands.Reader.Count;

    /// <summary>Runs <paramref name="work"/> on the loop between two steps and returns its result.</summary>
    /// <exception cref="EngineOverloadedException">The engine loop has stopped.</exception>
    public async Task<T> InvokeAsync<T>(Func<EngineSession, T> work, CancellationToken cancellationToken = default)
    {
        var command = new EngineCommand<T>(work);
        try
        {
            await _commands.Writer.WriteAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new EngineOverloadedException("the engine loop has stopped", ex);
        }
        return await command.Completion.ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        ChannelReader<EngineCommand> commands = _commands.Reader;
        InferenceEngine engine = _session.Engine;
        Exception? fatal = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                while (commands.TryRead(out EngineCommand? command)) command.Execute(_session);
                if (!engine.HasWork)
                {
                    if (!await commands.WaitToReadAsync(stop).ConfigureAwait(false)) break;
                    continue;
                }
                IReadOnlyList<SequenceOutput> outputs;
                try
                {
                    outputs = engine.Step();
                }
                catch (Exception ex) when (ex is InvalidOperationException or RequestRejectedException)
                {
                    DropAll(ex);
                    continue;
                }
                for (int i = 0; i < outputs.Count; i++) await DeliverAsync(outputs[i], stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            fatal = ex;
            _logger.EngineLoopFaulted(ex);
        }
        finally
        {
            var reason = new EngineOverloadedException("the engine loop has stopped", fatal);
            _commands.Writer.TryComplete();
            while (commands.TryRead(out EngineCommand? left)) left.Abandon(reason);
            _session.FaultAll(reason);
        }
    }

    /// <summary>A step failed: the queued work cannot run. Every observed sequence is cancelled and its observer told.</summary>
    private void DropAll(Exception cause)
    {
        _logger.StepFailed(cause, _session.ObservedCount);
        if (_session.ObservedCount == 0 && _session.Engine.HasWork)
            throw new InvalidOperationException("the engine failed a step with no observed sequence to drop", cause);
        _session.FaultAll(new EngineOverloadedException($"the worker's engine could not run the request: {cause.Message}", cause));
    }

    private async ValueTask DeliverAsync(SequenceOutput output, CancellationToken stop)
    {
        if (!_session.TryGetObserver(output.SequenceId, out ISequenceObserver observer)) return;
        if (output.Finish != FinishReason.None) _session.Forget(output.SequenceId);
        await observer.OnOutputAsync(output, stop).ConfigureAwait(false);
    }

    /// <summary>Stops the loop (observers of unfinished sequences see a fault) and disposes the engine.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _session.Engine.Dispose();
        _stopping.Dispose();
    }
}
