namespace Mesh.Workers.Engine;

/// <summary>Work queued for the engine loop; runs there between two steps.</summary>
internal abstract class EngineCommand
{
    /// <summary>Runs on the loop.</summary>
    public abstract void Execute(EngineSession session);

    /// <summary>The loop stopped before running it.</summary>
    public abstract void Abandon(Exception reason);
}

/// <summary>A command with a result, awaited by whoever queued it (never on the loop: continuations run asynchronously).</summary>
internal sealed class EngineCommand<T>(Func<EngineSession, T> work) : EngineCommand
{
    private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the work's result or exception.</summary>
    public Task<T> Completion => _done.Task;

    public override void Execute(EngineSession session)
    {
        try
        {
            _done.TrySetResult(work(session));
        }
        catch (Exception ex)
        {
            _done.TrySetException(ex);
        }
    }

    public override void Abandon(Exception reason) => _done.TrySetException(reason);
}
