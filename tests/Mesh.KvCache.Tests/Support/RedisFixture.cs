using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Mesh.KvCache.Tests;

/// <summary>
/// A real Redis for the Redis-tier tests: the one named by <c>MESH_REDIS</c> (host:port) when it answers,
/// else a <c>redis-server</c> this fixture starts on a free port without persistence and shuts down at the
/// end. When neither is possible the tests skip with <see cref="SkipReason"/>. Tests share the server, so
/// each uses its own fingerprint and never flushes.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private Process? _server;

    /// <summary>host:port of the server; null when skipping.</summary>
    public string? Configuration { get; private set; }

    /// <summary>A connection to it; null when skipping.</summary>
    public IConnectionMultiplexer? Connection { get; private set; }

    /// <summary>Why the Redis tests skip; null when a server answers.</summary>
    public string? SkipReason { get; private set; }

    public async Task InitializeAsync()
    {
        string? named = Environment.GetEnvironmentVariable("MESH_REDIS");
        if (!string.IsNullOrWhiteSpace(named) && await TryConnectAsync(named) is { } shared)
        {
            (Configuration, Connection) = (named, shared);
            return;
        }
        string? executable = FindOnPath("redis-server");
        if (executable is null)
        {
            SkipReason = $"No Redis: MESH_REDIS is {(named is null ? "unset" : $"'{named}' and does not answer")}, and redis-server is not on PATH (apt-get install redis-server).";
            return;
        }
        int port = FreePort();
        _server = Process.Start(new ProcessStartInfo(executable)
        {
            ArgumentList = { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        });
        _server?.BeginOutputReadLine();
        _server?.BeginErrorReadLine();
        string started = $"127.0.0.1:{port}";
        for (int attempt = 0; attempt < 50 && Connection is null; attempt++)
        {
            if (_server is null || _server.HasExited) break;
            Connection = await TryConnectAsync(started);
            if (Connection is null) await Task.Delay(100);
        }
        if (Connection is null) SkipReason = $"redis-server ({executable}) did not answer on port {port}.";
        else Configuration = started;
    }

    public async Task DisposeAsync()
    {
        if (Connection is not null)
        {
            if (_server is null) await DeleteTestKeysAsync(Connection);
            await Connection.DisposeAsync();
        }
        if (_server is null) return;
        if (!_server.HasExited)
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }
        _server.Dispose();
    }

    /// <summary>On a shared server, removes the keys these tests wrote (their fingerprints all start with <c>test-</c>).</summary>
    private static async Task DeleteTestKeysAsync(IConnectionMultiplexer connection)
    {
        IDatabase db = connection.GetDatabase();
        foreach (IServer server in connection.GetServers())
            await foreach (RedisKey key in server.KeysAsync(db.Database, $"{RedisBlockTier.KeyPrefix}test-*"))
                await db.KeyDeleteAsync(key);
    }

    private static async Task<IConnectionMultiplexer?> TryConnectAsync(string configuration)
    {
        try
        {
            ConfigurationOptions options = ConfigurationOptions.Parse(configuration);
            options.AbortOnConnectFail = true;
            options.ConnectTimeout = 2000;
            ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(options);
            await connection.GetDatabase().PingAsync();
            return connection;
        }
        catch (RedisConnectionException)
        {
            return null;
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name))
        .FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Tests that need Redis share one <see cref="RedisFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
