using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Grpc.AspNetCore.Server.Model;

namespace Mesh.Bus.Tests;

/// <summary>
/// A stand-in for daprd's gRPC API on 127.0.0.1 and a random port: Kestrel (HTTP/2 without TLS) serving the
/// <c>dapr.proto.runtime.v1.Dapr</c> methods bound by hand in <see cref="FakeDaprMethodProvider"/>, since
/// Dapr.Protos ships client stubs only. Point a real <c>DaprClient</c> at <see cref="GrpcEndpoint"/>.
/// </summary>
internal sealed class FakeDaprSidecar : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeDaprSidecar(WebApplication app, string endpoint)
    {
        _app = app;
        GrpcEndpoint = endpoint;
        Runtime = app.Services.GetRequiredService<FakeDaprRuntime>();
    }

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public string GrpcEndpoint { get; }

    /// <summary>What the sidecar received and holds.</summary>
    public FakeDaprRuntime Runtime { get; }

    public static async Task<FakeDaprSidecar> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<FakeDaprRuntime>();
        builder.Services.AddSingleton<IServiceMethodProvider<FakeDaprRuntime>, FakeDaprMethodProvider>();
        WebApplication app = builder.Build();
        app.MapGrpcService<FakeDaprRuntime>();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FakeDaprSidecar(app, address);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
