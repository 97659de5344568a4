using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Client;

/// <summary>Registers a <see cref="MeshBusClient"/>.</summary>
public static class MeshBusClientExtensions
{
    /// <summary>
    /// Adds the Mesh bus (if not yet added), subscribes this client's reply topic
    /// <c>mesh.replies.&lt;ClientId&gt;</c>, and registers <see cref="MeshBusClient"/> as a singleton. Under Dapr
    /// (<c>Mesh:Bus:Mode=Dapr</c>) the app must also call <c>app.MapMeshSubscriptions()</c>, so the sidecar can
    /// deliver the replies. One client per host.
    /// </summary>
    /// <returns>The bus builder, to declare more subscriptions.</returns>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">A <see cref="MeshBusClient"/> is already registered.</exception>
    public static MeshBusBuilder AddMeshBusClient(this IHostApplicationBuilder builder, MeshClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(MeshBusClient)))
            throw new InvalidOperationException("A MeshBusClient is already registered; one client (one reply topic) per host.");
        var submissions = new Submissions(options);
        ReplyRouter router = submissions.Router;
        builder.Services.AddSingleton(sp => new MeshBusClient(sp.GetRequiredService<IMeshBus>(), submissions));
        return builder.AddMeshBus()
            .Subscribe<ReplyMessage>(options.ReplyTopic, (reply, _) => MeshBusClient.HandleReplyAsync(router, reply));
    }

    /// <summary>Same as <see cref="AddMeshBusClient(IHostApplicationBuilder, MeshClientOptions)"/> with default options and <paramref name="clientId"/>.</summary>
    public static MeshBusBuilder AddMeshBusClient(this IHostApplicationBuilder builder, string clientId) =>
        builder.AddMeshBusClient(new MeshClientOptions { ClientId = clientId });
}
