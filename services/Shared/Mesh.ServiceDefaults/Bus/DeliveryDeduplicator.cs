namespace Mesh.ServiceDefaults.Bus;

/// <summary>Outcome of <see cref="DeliveryDeduplicator.TryBegin"/>.</summary>
public enum DeliveryAdmission
{
    /// <summary>Not seen: run the handler, then <see cref="DeliveryDeduplicator.Complete"/> or <see cref="DeliveryDeduplicator.Abandon"/>.</summary>
    New,

    /// <summary>Already handled: acknowledge without running side effects.</summary>
    Duplicate,

    /// <summary>Another delivery of the same key is running: ask for redelivery.</summary>
    InFlight,
}

/// <summary>
/// Bounded memory of handled deliveries of one subscription, so a redelivered message is acknowledged
/// without running its side effects twice. Remembers the newest <c>capacity</c> completed keys (oldest
/// forgotten first) plus the keys being handled now. Per process: instances of one app id under Dapr each
/// keep their own.
/// </summary>
public sealed class DeliveryDeduplicator
{
    /// <summary>Guards the three collections below.</summary>
    private readonly Lock _gate = new();

    /// <summary>Completed keys, for lookup.</summary>
    private readonly HashSet<DeliveryKey> _completed = [];

    /// <summary>Completed keys in completion order, oldest first, for eviction.</summary>
    private readonly Queue<DeliveryKey> _completionOrder = new();

    /// <summary>Keys whose handler is running.</summary>
    private readonly HashSet<DeliveryKey> _inFlight = [];

    /// <summary>Most completed keys remembered.</summary>
    private readonly int _capacity;

    /// <summary>Creates a deduplicator that remembers <paramref name="capacity"/> completed keys.</summary>
    public DeliveryDeduplicator(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Admits a delivery unless its key is completed or running.</summary>
    public DeliveryAdmission TryBegin(DeliveryKey key)
    {
        lock (_gate)
        {
            if (_completed.Contains(key)) return DeliveryAdmission.Duplicate;
            return _inFlight.Add(key) ? DeliveryAdmission.New : DeliveryAdmission.InFlight;
        }
    }

    /// <summary>Marks an admitted key handled (success or drop); later deliveries are duplicates.</summary>
    public void Complete(DeliveryKey key)
    {
        lock (_gate)
        {
            _inFlight.Remove(key);
            if (!_completed.Add(key)) return;
            _completionOrder.Enqueue(key);
            if (_completionOrder.Count > _capacity) _completed.Remove(_completionOrder.Dequeue());
        }
    }

    /// <summary>Forgets an admitted key whose handler asked for a retry, so the redelivery runs.</summary>
    public void Abandon(DeliveryKey key)
    {
        lock (_gate) _inFlight.Remove(key);
    }
}
