using System.Net;
using Mesh.Workers.Kv;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Mesh.KvCache.Tests.TestBlocks;

namespace Mesh.KvCache.Tests;

/// <summary>
/// The worker → kvcache data plane as workers and the scheduler register it (<see cref="KvStoreRegistration"/>), against
/// the kvcache service on real Kestrel sockets: HTTP/2 with prior knowledge by default, HTTP/1.1 when configured.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class KvClientProtocolTests : IAsyncLifetime
{
    private const string Model = "protocol-model";

    private readonly KvCacheFactory _service = new(ramBytes: 16L << 20)
    {
        Settings = { ["urls"] = "http://127.0.0.1:0", ["KvCache:H2cUrl"] = "http://127.0.0.1:0" },
    };

    /// <summary>The hosting URL (HTTP/1.1: the Dapr app port).</summary>
    private Uri _http1 = null!;

    /// <summary>The h2c endpoint.</summary>
    private Uri _h2c = null!;

    public async Task InitializeAsync()
    {
        _service.UseKestrel();
        _service.StartServer();
        string[] addresses = [.. _service.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses];
        Assert.Equal(2, addresses.Length);
        foreach (string address in addresses)
        {
            using var probe = new HttpClient { BaseAddress = new Uri(address), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
            try
            {
                using HttpResponseMessage response = await probe.GetAsync(KvHttp.StatsPath);
                _h2c = new Uri(address);
            }
            catch (HttpRequestException)
            {
                _http1 = new Uri(address);
            }
        }
        Assert.NotNull(_h2c);
        Assert.NotNull(_http1);
        _service.Protocols.Clear();
    }

    public async Task DisposeAsync() => await _service.DisposeAsync();

    /// <summary>The services a worker gets from <c>Mesh:Worker:KvCacheUrl</c> = <paramref name="url"/>, with <paramref name="settings"/>.</summary>
    private static ServiceProvider WorkerServices(Uri url, params (string Key, string Value)[] settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build());
        services.AddRemoteKvBlockStore(url);
        return services.BuildServiceProvider();
    }

    private static HttpClient DataPlaneClient(ServiceProvider services) =>
        services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(KvCacheHttpClient));

    [Fact]
    public async Task By_default_blocks_travel_over_HTTP2_with_prior_knowledge()
    {
        await using ServiceProvider worker = WorkerServices(_h2c);
        IKvBlockStore kv = worker.GetRequiredService<IKvBlockStore>();

        await kv.PutAsync(Model, Hash(1), Bytes(1, 3000));
        ReadOnlyMemory<byte>? read = await kv.TryGetAsync(Model, Hash(1));
        await kv.PutManyAsync(Model, Blocks(2, 3));
        int fetched = 0;
        await foreach (KvBlock _ in kv.GetManyAsync(Model, [Hash(2), Hash(3)])) fetched++;
        using HttpResponseMessage stats = await DataPlaneClient(worker).GetAsync(KvHttp.StatsPath);

        Assert.Equal(Bytes(1, 3000), read!.Value.ToArray());
        Assert.Equal(2, fetched);
        Assert.Equal(HttpVersion.Version20, stats.Version);
        Assert.Equal(5, _service.Protocols.Count);
        Assert.All(_service.Protocols, p => Assert.Equal("HTTP/2", p));
    }

    [Fact]
    public async Task HTTP11_is_an_option_against_the_hosting_url()
    {
        await using ServiceProvider worker = WorkerServices(_http1, ("Mesh:KvCacheClient:Protocol", "Http1"));
        IKvBlockStore kv = worker.GetRequiredService<IKvBlockStore>();

        await kv.PutAsync(Model, Hash(10), Bytes(10, 500));
        using HttpResponseMessage stats = await DataPlaneClient(worker).GetAsync(KvHttp.StatsPath);

        Assert.Equal(Bytes(10, 500), (await kv.TryGetAsync(Model, Hash(10)))!.Value.ToArray());
        Assert.Equal(HttpVersion.Version11, stats.Version);
        Assert.Equal(["HTTP/1.1", "HTTP/1.1", "HTTP/1.1"], _service.Protocols);
    }

    [Fact]
    public async Task The_default_client_never_falls_back_to_HTTP11()
    {
        await using ServiceProvider worker = WorkerServices(_http1);
        IKvBlockStore kv = worker.GetRequiredService<IKvBlockStore>();

        await Assert.ThrowsAsync<HttpRequestException>(async () => await kv.PutAsync(Model, Hash(20), Bytes(20, 100)));
        Assert.Empty(_service.Protocols);
    }

    [Fact]
    public void Client_settings_are_validated()
    {
        using ServiceProvider unknown = WorkerServices(_h2c, ("Mesh:KvCacheClient:Protocol", "Http3"));
        using ServiceProvider zero = WorkerServices(_h2c, ("Mesh:KvCacheClient:Timeout", "00:00:00"));

        Assert.Throws<InvalidOperationException>(() => unknown.GetRequiredService<IOptions<KvCacheClientOptions>>().Value);
        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => zero.GetRequiredService<IOptions<KvCacheClientOptions>>().Value);
        Assert.Contains("Mesh:KvCacheClient:Timeout", error.Message);
    }

    private static async IAsyncEnumerable<KvBlock> Blocks(int first, int last)
    {
        for (int n = first; n <= last; n++)
        {
            await Task.Yield();
            yield return new KvBlock(Hash(n), Bytes(n, 2000), n == first ? null : Hash(n - 1));
        }
    }
}
