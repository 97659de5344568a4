using System.Diagnostics.Metrics;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>Bus instruments on the <c>Mesh.Bus</c> meter (exported by <c>AddMeshServiceDefaults</c>).</summary>
public sealed class MeshBusMetrics
{
    /// <summary>Meter name.</summary>
    public const string MeterName = "Mesh.Bus";

    private readonly Counter<long> _published;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _handlerSeconds;

    /// <summary>Creates the instruments.</summary>
    public MeshBusMetrics(IMeterFactory meterFactory)
    {
        Meter meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("mesh.bus.published", "{message}", "Messages accepted by the transport.");
        _delivered = meter.CreateCounter<long>("mesh.bus.deliveries", "{delivery}", "Handler invocations by result.");
        _deadLettered = meter.CreateCounter<long>("mesh.bus.dead_lettered", "{message}", "Messages sent to a dead-letter topic by the in-process bus.");
        _handlerSeconds = meter.CreateHistogram<double>("mesh.bus.handler.duration", "s", "Time spent in handlers.");
    }

    internal void Published(string topic) => _published.Add(1, new KeyValuePair<string, object?>("topic", topic));

    internal void Delivered(string topic, HandlerResult result, double seconds)
    {
        var topicTag = new KeyValuePair<string, object?>("topic", topic);
        _delivered.Add(1, topicTag, new KeyValuePair<string, object?>("result", result.ToString()));
        _handlerSeconds.Record(seconds, topicTag);
    }

    internal void DeadLettered(string topic) => _deadLettered.Add(1, new KeyValuePair<string, object?>("topic", topic));
}
