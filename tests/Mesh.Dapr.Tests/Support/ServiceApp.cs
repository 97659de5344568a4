using System.Reflection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Dapr.Tests;

/// <summary>
/// One Mesh service's real Program.cs, with its appsettings.json, started by <see cref="WebApplicationFactory{TEntryPoint}"/>
/// in Dapr bus mode, its <c>DaprClient</c> pointed at a fake sidecar. Every service's entry point is the global
/// type <c>Program</c>, so the factory is made by reflection from the service's assembly name. Runs on TestServer, or on
/// Kestrel sockets when other processes' clients must reach it (the kvcache data plane).
/// </summary>
internal sealed class ServiceApp : IAsyncDisposable
{
    private readonly IServiceFactory _factory;

    private ServiceApp(IServiceFactory factory, HttpClient client)
    {
        _factory = factory;
        Client = client;
    }

    /// <summary>Posts as daprd does (TestServer), or to the first hosting URL (Kestrel).</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>The URLs Kestrel bound (empty on TestServer).</summary>
    public IReadOnlyList<Uri> Addresses =>
        [.. _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a)) ?? []];

    /// <param name="assembly">The service's assembly, e.g. <c>Mesh.Gateway</c>.</param>
    /// <param name="sidecar">gRPC endpoint of the fake daprd, or null for a service that must never publish.</param>
    /// <param name="settings">Configuration over the service's appsettings.json.</param>
    /// <param name="services">Test services added after the app's own.</param>
    /// <param name="kestrel">Listen on real sockets (<c>urls</c> and friends decide where).</param>
    public static ServiceApp Start(
        string assembly, string? sidecar, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null, bool kestrel = false)
    {
        Type program = Assembly.Load(assembly).GetType("Program", throwOnError: true)!;
        var all = new Dictionary<string, string?>(settings)
        {
            ["Mesh:Bus:Mode"] = "Dapr",
            ["Mesh:Bus:PubSubName"] = "pubsub",
            ["DAPR_GRPC_ENDPOINT"] = sidecar ?? "http://127.0.0.1:9",
            ["DAPR_HTTP_ENDPOINT"] = "http://127.0.0.1:9",       // pub/sub uses gRPC only
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        var factory = (IServiceFactory)Activator.CreateInstance(typeof(Factory<>).MakeGenericType(program), all, services)!;
        HttpClient client;
        if (kestrel)
        {
            factory.UseKestrel();
            factory.StartServer();
            client = new HttpClient();
        }
        else
        {
            client = factory.CreateClient();
        }
        var app = new ServiceApp(factory, client);
        app.Services.GetRequiredService<DisposalSignal>();
        if (kestrel) client.BaseAddress = app.Addresses[0];
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }

    /// <summary>What the test needs of a <see cref="WebApplicationFactory{TEntryPoint}"/> whose entry point it cannot name.</summary>
    private interface IServiceFactory : IAsyncDisposable
    {
        IServiceProvider Services { get; }

        HttpClient CreateClient();

        void UseKestrel();

        void StartServer();
    }

    private sealed class Factory<TEntryPoint>(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services)
        : WebApplicationFactory<TEntryPoint>, IServiceFactory
        where TEntryPoint : class
    {
        /// <summary>How long the service may take to stop.</summary>
        private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

        /// <summary>1 once disposal started.</summary>
        private int _disposeStarted;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach ((string key, string? value) in settings) builder.UseSetting(key, value);
            builder.ConfigureTestServices(test =>
            {
                test.AddSingleton<DisposalSignal>();
                services?.Invoke(test);
            });
        }

        /// <summary>
        /// Stops the service the way its own <c>app.Run()</c> expects: the base class would stop the host while Run() stops
        /// it too, running every hosted service's StopAsync twice at once (dotnet/aspnetcore#40271). Asking the application
        /// to stop lets Run() stop the host once and dispose it.
        /// </summary>
        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposeStarted, 1) == 1) return;
            DisposalSignal disposal = Services.GetRequiredService<DisposalSignal>();
            Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            await disposal.Disposed.WaitAsync(StopTimeout);
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>A singleton made at start whose disposal tells that the host stopped and its services are being disposed.</summary>
    private sealed class DisposalSignal : IDisposable
    {
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Disposed => _disposed.Task;

        public void Dispose() => _disposed.TrySetResult();
    }
}
