using StackExchange.Redis;

namespace Mesh.KvCache;

/// <summary>
/// Owns the Redis tier's connection when <see cref="KvCacheOptions.Redis"/> is set. It does not abort when Redis
/// is down at startup: the multiplexer keeps reconnecting, and meanwhile commands fail at once (no backlog):
/// reads miss and spills are dropped instead of waiting out a timeout.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    public RedisConnection(KvCacheOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Redis)) return;
        ConfigurationOptions configuration = ConfigurationOptions.Parse(options.Redis);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName ??= "mesh-kvcache";
        Endpoints = string.Join(",", configuration.EndPoints);
        Multiplexer = ConnectionMultiplexer.Connect(configuration);
    }

    /// <summary>The connection; null when the store runs RAM only.</summary>
    public IConnectionMultiplexer? Multiplexer { get; }

    /// <summary>Server endpoints for the startup log (the connection string may hold a password).</summary>
    public string Endpoints { get; } = "off";

    public void Dispose() => Multiplexer?.Dispose();
}
