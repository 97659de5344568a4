namespace Mesh.Workers.Kv;

/// <summary>
/// How workers and the scheduler reach the kvcache service, bound from <c>Mesh:KvCacheClient</c>
/// (env <c>Mesh__KvCacheClient__Protocol=Http1</c>). The URL itself is <c>Mesh:Worker:KvCacheUrl</c> /
/// <c>Mesh:Scheduler:KvCacheUrl</c>; it must name an endpoint that speaks <see cref="Protocol"/>.
/// </summary>
public sealed class KvCacheClientOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Mesh:KvCacheClient";

    /// <summary>HTTP version of every data-plane request; HTTP/2 (h2c) by default.</summary>
    public KvCacheProtocol Protocol { get; set; } = KvCacheProtocol.Http2;

    /// <summary>Longest a single data-plane request may take (a large multi-block transfer is one request).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);
}
