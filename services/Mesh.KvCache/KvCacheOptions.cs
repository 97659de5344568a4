namespace Mesh.KvCache;

/// <summary>
/// Settings of the KV block store, bound from the <c>KvCache</c> configuration section
/// (env: <c>KvCache__RamBytes=8589934592</c>, <c>KvCache__Redis=127.0.0.1:6390</c>) and validated at startup.
/// </summary>
public sealed class KvCacheOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "KvCache";

    /// <summary>Byte budget of the RAM tier (block payloads only). 0 keeps nothing in RAM: every block goes to Redis.</summary>
    public long RamBytes { get; set; } = 1L << 30;

    /// <summary>
    /// StackExchange.Redis configuration string of the Redis tier (<c>127.0.0.1:6390</c>,
    /// <c>host:6380,ssl=true,password=…</c>); null or empty runs RAM only, and evicted blocks are dropped.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>Expiry of blocks written to Redis, refreshed on every write; null keeps them until Redis evicts them.</summary>
    public TimeSpan? BlockTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Lease length when the caller names none.</summary>
    public TimeSpan LeaseDefault { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest lease a caller may ask for; longer requests are cut to this.</summary>
    public TimeSpan LeaseMax { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Largest block accepted (one block = every layer's K and V for BlockSize positions).</summary>
    public int MaxBlockBytes { get; set; } = 256 << 20;

    /// <summary>
    /// Worker id on the <c>KvEvent</c>s this instance publishes; defaults to <c>kvcache-{machine name}</c>,
    /// so replicas keep separate event numbering.
    /// </summary>
    public string? WorkerId { get; set; }

    /// <summary>
    /// The data plane's HTTP/2 endpoint: cleartext HTTP/2 with prior knowledge (h2c) only, e.g.
    /// <c>http://127.0.0.1:5116</c>, which workers and the scheduler reach by default (<c>Mesh:KvCacheClient</c>).
    /// Kestrel cannot serve HTTP/1.1 and h2c on one port, so the service keeps its hosting URLs (<c>--urls</c>: the Dapr
    /// app port, health, metrics, and the data plane over HTTP/1.1) and adds this one. The kvcache service's
    /// appsettings.json sets <c>http://127.0.0.1:5116</c>; null or empty: no h2c endpoint (HTTP/1.1 clients only).
    /// </summary>
    public string? H2cUrl { get; set; }

    /// <summary>KvEvents queued for the bus before the oldest is dropped (the scheduler sees the gap in event ids and re-syncs).</summary>
    public int EventQueueCapacity { get; set; } = 4096;
}
