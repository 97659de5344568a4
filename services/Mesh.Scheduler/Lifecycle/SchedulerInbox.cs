using System.Threading.Channels;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>
/// The bounded queue in front of the scheduler loop. Bus handlers post events (admitted requests, stage results,
/// reports) and return; the loop is the only reader, so <see cref="SchedulerCore"/> is touched by one thread.
/// Handlers wait while the queue is full, which pushes back on the bus.
/// </summary>
public sealed class SchedulerInbox(int capacity)
{
    private readonly Channel<object> _events = Channel.CreateBounded<object>(new BoundedChannelOptions(capacity)
    {
        SingleReader = true,
        SingleWriter = false,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Queues an event for the loop.</summary>
    public ValueTask PostAsync(object message, CancellationToken cancellationToken) => _events.Writer.WriteAsync(message, cancellationToken);

    internal ChannelReader<object> Reader => _events.Reader;
}
