using System.Diagnostics.Metrics;
using Mesh.Scheduler.Lifecycle;

namespace Mesh.Scheduler.Telemetry;

/// <summary>
/// Scheduler instruments on the <c>Mesh.Scheduler</c> meter (exported on <c>/metrics</c> by the service defaults):
/// TTFT and TPOT of online requests, goodput (finished online requests meeting both targets), refusals, retries,
/// migrations and preemptions, and the queue depth of each stage. Counts are taken by the scheduler loop; the gauges
/// read numbers the loop published after its last event, so scraping never touches the loop's state.
/// </summary>
public sealed class SchedulerMetrics
{
    /// <summary>Meter name.</summary>
    public const string MeterName = "Mesh.Scheduler";

    private readonly Histogram<double> _ttft;
    private readonly Histogram<double> _tpot;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _migrations;
    private readonly Counter<long> _preemptions;
    private readonly Counter<long> _roleMoves;

    // Written by the loop, read by the exporter.
    private volatile int _waiting, _prefilling, _awaitingDecode, _decoding, _offlineInFlight;

    /// <summary>Creates the instruments.</summary>
    public SchedulerMetrics(IMeterFactory meterFactory)
    {
        Meter meter = meterFactory.Create(MeterName);
        _ttft = meter.CreateHistogram<double>("mesh.scheduler.ttft", "s", "Time to first token of online requests (admission to first token).");
        _tpot = meter.CreateHistogram<double>("mesh.scheduler.tpot", "s", "Time per output token after the first, of online requests.");
        _finished = meter.CreateCounter<long>("mesh.scheduler.finished", "{request}", "Online requests finished; met_targets tells goodput.");
        _refused = meter.CreateCounter<long>("mesh.scheduler.refused", "{request}", "Online requests refused at admission (predicted TTFT past target).");
        _retries = meter.CreateCounter<long>("mesh.scheduler.retries", "{attempt}", "Requests restarted from their prompt under a new attempt.");
        _migrations = meter.CreateCounter<long>("mesh.scheduler.migrations", "{attempt}", "Decodes moved to another worker (from a checkpoint or prefill's KV).");
        _preemptions = meter.CreateCounter<long>("mesh.scheduler.preemptions", "{decode}", "Offline decodes preempted for online work (KV saved, resumed later).");
        _roleMoves = meter.CreateCounter<long>("mesh.scheduler.role_moves", "{move}", "Workers moved between prefill and decode (elastic roles).");
        meter.CreateObservableGauge("mesh.scheduler.queue_depth", () => new[]
        {
            new Measurement<int>(_waiting, new KeyValuePair<string, object?>("stage", "waiting")),
            new Measurement<int>(_prefilling, new KeyValuePair<string, object?>("stage", "prefilling")),
            new Measurement<int>(_awaitingDecode, new KeyValuePair<string, object?>("stage", "awaiting_decode")),
            new Measurement<int>(_decoding, new KeyValuePair<string, object?>("stage", "decoding")),
        }, "{request}", "Requests (choices, once prefilled) in each stage.");
        meter.CreateObservableGauge("mesh.scheduler.offline_in_flight", () => _offlineInFlight, "{request}", "Offline requests in flight.");
    }

    /// <summary>Preemptions so far (tests and drills read it).</summary>
    public long PreemptionCount => Interlocked.Read(ref _preemptionCount);

    private long _preemptionCount;

    internal void FirstToken(TimeSpan ttft) => _ttft.Record(ttft.TotalSeconds);

    internal void TokenTime(TimeSpan tpot) => _tpot.Record(tpot.TotalSeconds);

    internal void Finished(bool metTargets) => _finished.Add(1, new KeyValuePair<string, object?>("met_targets", metTargets));

    internal void Refused() => _refused.Add(1);

    internal void Retried() => _retries.Add(1);

    internal void Migrated() => _migrations.Add(1);

    internal void RoleMoved(string to) => _roleMoves.Add(1, new KeyValuePair<string, object?>("to", to));

    internal void Preempted()
    {
        _preemptions.Add(1);
        Interlocked.Increment(ref _preemptionCount);
    }

    /// <summary>Recounts the stage depths from the loop's requests.</summary>
    internal void Observe(IEnumerable<RequestState> requests)
    {
        int waiting = 0, prefilling = 0, awaiting = 0, decoding = 0, offline = 0;
        foreach (RequestState r in requests)
        {
            if (r.IsOffline) offline++;
            switch (r.Phase)
            {
                case RequestPhase.Waiting or RequestPhase.Encoding: waiting++; break;
                case RequestPhase.Prefilling: prefilling++; break;
                default:
                    foreach (ChoiceState c in r.Choices)
                    {
                        if (c.Phase == ChoicePhase.AwaitingDecode) awaiting++;
                        else if (c.Phase is ChoicePhase.Decoding or ChoicePhase.Suspending) decoding++;
                    }
                    break;
            }
        }
        (_waiting, _prefilling, _awaitingDecode, _decoding, _offlineInFlight) = (waiting, prefilling, awaiting, decoding, offline);
    }
}
