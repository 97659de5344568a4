using System.Collections.Concurrent;
using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.IntegrationTests.Support;

/// <summary>
/// Listens beside the scheduler (its own subscriber group) to prefill results and stage failures, so tests can see
/// what a worker reported.
/// </summary>
public sealed class StageObserver
{
    public ConcurrentQueue<PrefillDone> PrefillDone { get; } = new();

    public ConcurrentQueue<Failed> Failures { get; } = new();

    public Task<HandlerResult> OnPrefillDoneAsync(PrefillDone done, CancellationToken cancellationToken)
    {
        PrefillDone.Enqueue(done);
        return Task.FromResult(HandlerResult.Success);
    }

    public Task<HandlerResult> OnFailedAsync(Failed failed, CancellationToken cancellationToken)
    {
        Failures.Enqueue(failed);
        return Task.FromResult(HandlerResult.Success);
    }

    /// <summary>Waits until a message of <paramref name="request"/> arrives in <paramref name="queue"/>.</summary>
    public static async Task<T> WaitForAsync<T>(ConcurrentQueue<T> queue, RequestId request, TimeSpan timeout) where T : IRequestMessage
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            T? found = queue.FirstOrDefault(m => m.Envelope.RequestId == request);
            if (found is not null) return found;
            await Task.Delay(20, cancel.Token);
        }
    }
}
