using System.Collections.Concurrent;
using System.Net;
using Mesh.KvCache;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Dapr.Tests;

/// <summary>
/// The kvcache service's Program on Kestrel sockets, as workers in other processes reach it: its hosting URL (HTTP/1.1,
/// the Dapr app port) and its h2c data-plane endpoint, both on free ports; its KvEvents go to a fake sidecar of its own.
/// Records the protocol of every data-plane request it serves.
/// </summary>
public sealed class KvCacheService : IAsyncLifetime
{
    private FakeDaprSidecar _sidecar = null!;
    private ServiceApp _app = null!;

    /// <summary><c>/kv</c> requests served, with the protocol the server saw (<c>HTTP/2</c>, <c>HTTP/1.1</c>).</summary>
    public ConcurrentQueue<(string Path, string Protocol)> DataPlaneRequests { get; } = new();

    /// <summary>The h2c endpoint (<c>KvCache:H2cUrl</c>), which workers use by default.</summary>
    public Uri H2cUrl { get; private set; } = null!;

    /// <summary>The hosting URL (HTTP/1.1).</summary>
    public Uri Http1Url { get; private set; } = null!;

    /// <summary>The store behind the data plane.</summary>
    public TieredBlockStore Store => _app.Services.GetRequiredService<TieredBlockStore>();

    public async Task InitializeAsync()
    {
        _sidecar = await FakeDaprSidecar.StartAsync();
        _app = ServiceApp.Start("Mesh.KvCache", _sidecar.GrpcEndpoint, new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["KvCache:H2cUrl"] = "http://127.0.0.1:0",
            ["KvCache:RamBytes"] = (64 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["KvCache:WorkerId"] = "kvcache-t",
        }, services => services.AddSingleton<IStartupFilter>(new DataPlaneRecorder(DataPlaneRequests)), kestrel: true);
        foreach (Uri address in _app.Addresses)
        {
            if (await SpeaksHttp2Async(address)) H2cUrl = address;
            else Http1Url = address;
        }
        Assert.NotNull(H2cUrl);
        Assert.NotNull(Http1Url);
        DataPlaneRequests.Clear();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _sidecar.DisposeAsync();
    }

    private static async Task<bool> SpeaksHttp2Async(Uri address)
    {
        using var http = new HttpClient { BaseAddress = address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        try
        {
            using HttpResponseMessage response = await http.GetAsync("/health");
            return response.Version == HttpVersion.Version20;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Notes each <c>/kv</c> request's protocol before the app handles it.</summary>
    private sealed class DataPlaneRecorder(ConcurrentQueue<(string Path, string Protocol)> requests) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Path.StartsWithSegments("/kv")) requests.Enqueue((context.Request.Path.Value!, context.Request.Protocol));
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
