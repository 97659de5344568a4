namespace Mesh.Workers.Kv;

/// <summary>How a worker or the scheduler speaks to the kvcache service's data plane.</summary>
public enum KvCacheProtocol
{
    /// <summary>
    /// HTTP/2 only (<see cref="HttpVersionPolicy.RequestVersionExact"/>): with prior knowledge (h2c) on an http:// URL,
    /// the kvcache's <c>KvCache:H2cUrl</c> endpoint; negotiated by TLS on an https:// URL. Many block transfers share
    /// one connection as streams.
    /// </summary>
    Http2,

    /// <summary>HTTP/1.1 only, to the kvcache's hosting URL (its Dapr app port); one connection per transfer in flight.</summary>
    Http1,
}
