using System.Collections.Concurrent;
using System.Globalization;
using Mesh.ServiceDefaults.Bus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.KvCache.Tests;

/// <summary>The kvcache service in-process, with its settings given and the bus replaced by a recorder.</summary>
public sealed class KvCacheFactory(long ramBytes, string? redis = null, int maxBlockBytes = 8 << 20) : WebApplicationFactory<Program>
{
    /// <summary>Further settings (configuration key → value).</summary>
    public Dictionary<string, string> Settings { get; init; } = [];

    /// <summary>What the service published.</summary>
    public RecordingBus Bus { get; } = new();

    /// <summary>The protocol of every request the service received (<c>HTTP/1.1</c>, <c>HTTP/2</c>), as the server saw it.</summary>
    public ConcurrentQueue<string> Protocols { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("KvCache:RamBytes", ramBytes.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("KvCache:MaxBlockBytes", maxBlockBytes.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("KvCache:WorkerId", "kvcache-under-test");
        if (redis is not null) builder.UseSetting("KvCache:Redis", redis);
        foreach ((string key, string value) in Settings) builder.UseSetting(key, value);
        // The recorder replaces the bus. Dapr mode keeps the in-process bus's hosted lifetime idle: it resolves the
        // bus lazily in StopAsync, which races the app's own Run() disposing the provider when the factory stops.
        builder.UseSetting("Mesh:Bus:Mode", "Dapr");
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IMeshBus>(Bus);
            services.AddSingleton<IStartupFilter>(new ProtocolRecorder(Protocols));
        });
    }

    /// <summary>A <see cref="KvCacheHttpClient"/> over the in-memory test server, through <paramref name="handlers"/>.</summary>
    public KvCacheHttpClient KvClient(params DelegatingHandler[] handlers) => new(CreateDefaultClient(handlers));
}

/// <summary>Records each request's protocol before the app sees it.</summary>
internal sealed class ProtocolRecorder(ConcurrentQueue<string> protocols) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            protocols.Enqueue(context.Request.Protocol);
            return nextMiddleware(context);
        });
        next(app);
    };
}

/// <summary>The bus seam's far side in tests: records what was published.</summary>
public sealed class RecordingBus : IMeshBus
{
    public ConcurrentQueue<(string Topic, object Message)> Published { get; } = new();

    public Task PublishAsync<T>(string topic, T message, CancellationToken cancellationToken = default) where T : notnull
    {
        Published.Enqueue((topic, message));
        return Task.CompletedTask;
    }
}

/// <summary>Flips the last byte of every PUT body in transit, as a bad link or buggy proxy would.</summary>
public sealed class CorruptingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Put && request.Content is { } content)
        {
            byte[] body = await content.ReadAsByteArrayAsync(cancellationToken);
            body[^1] ^= 0x01;
            var corrupted = new ByteArrayContent(body);
            foreach (var header in content.Headers) corrupted.Headers.TryAddWithoutValidation(header.Key, header.Value);
            corrupted.Headers.ContentLength = body.Length;
            request.Content = corrupted;
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
