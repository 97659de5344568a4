namespace Mesh.KvCache;

/// <summary>
/// Open leases and their expiry order. Not thread-safe: <see cref="RamBlockTier"/> calls it under its lock,
/// which also guards the pin counts the leases hold.
/// </summary>
internal sealed class LeaseBook
{
    /// <summary>One open lease: the RAM entries it pinned, in chain order.</summary>
    internal sealed class Lease(string fingerprint, DateTimeOffset expiresAt)
    {
        public string Fingerprint { get; } = fingerprint;
        public DateTimeOffset ExpiresAt { get; } = expiresAt;
        public List<RamEntry> Pinned { get; } = [];
    }

    /// <summary>Open leases by id.</summary>
    private readonly Dictionary<Guid, Lease> _open = [];

    /// <summary>Lease ids by expiry; ids already released stay until they reach the front, then are skipped.</summary>
    private readonly PriorityQueue<Guid, DateTimeOffset> _byExpiry = new();

    public int Count => _open.Count;

    public Guid Open(string fingerprint, DateTimeOffset expiresAt)
    {
        Guid id = Guid.NewGuid();
        _open.Add(id, new Lease(fingerprint, expiresAt));
        _byExpiry.Enqueue(id, expiresAt);
        return id;
    }

    public bool TryGet(Guid id, out Lease lease) => _open.TryGetValue(id, out lease!);

    /// <summary>Removes the lease when it is open and belongs to <paramref name="fingerprint"/>.</summary>
    public bool TryClose(Guid id, string fingerprint, out Lease lease)
    {
        if (!_open.TryGetValue(id, out lease!) || !string.Equals(lease.Fingerprint, fingerprint, StringComparison.Ordinal)) return false;
        _open.Remove(id);
        return true;
    }

    /// <summary>Removes and returns one lease that expired at or before <paramref name="now"/>; false when none did.</summary>
    public bool TryCloseExpired(DateTimeOffset now, out Lease lease)
    {
        while (_byExpiry.TryPeek(out Guid id, out DateTimeOffset expiresAt) && expiresAt <= now)
        {
            _byExpiry.Dequeue();
            if (_open.Remove(id, out lease!)) return true;
        }
        lease = null!;
        return false;
    }
}
