using System.Text;
using Mesh.Contracts;

namespace Mesh.Dapr.Tests;

/// <summary>
/// Mesh.Gateway's Program in Dapr mode (instance <c>gw-dapr</c>, model <c>tiny</c> from its appsettings.json) with a fake
/// sidecar: OpenAI requests go in over HTTP, come out as <see cref="InferenceRequest"/>s published through DaprClient, and
/// their replies are delivered to the gateway's reply-topic route as daprd would.
/// </summary>
internal sealed class GatewayOverDapr : IAsyncDisposable
{
    public const string ReplyTopic = "mesh.replies.gw-dapr";

    private GatewayOverDapr(FakeDaprSidecar sidecar, ServiceApp app)
    {
        Sidecar = sidecar;
        App = app;
    }

    public FakeDaprSidecar Sidecar { get; }

    public ServiceApp App { get; }

    public static async Task<GatewayOverDapr> StartAsync(int replyBufferCapacity = 1024)
    {
        FakeDaprSidecar sidecar = await FakeDaprSidecar.StartAsync();
        ServiceApp app = ServiceApp.Start("Mesh.Gateway", sidecar.GrpcEndpoint, new Dictionary<string, string?>
        {
            ["Gateway:InstanceId"] = "gw-dapr",
            ["Gateway:ReplyBufferCapacity"] = replyBufferCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        return new GatewayOverDapr(sidecar, app);
    }

    /// <summary>
    /// Sends <paramref name="json"/> to <paramref name="path"/> without waiting for the answer, and returns the answer's task
    /// with the request the gateway published for it.
    /// </summary>
    public async Task<(Task<HttpResponseMessage> Answer, InferenceRequest Published)> SubmitAsync(
        string path, string json, CancellationToken cancellationToken = default)
    {
        int before = Published.On<InferenceRequest>(Sidecar, Topics.Requests).Length;
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        Task<HttpResponseMessage> answer = App.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (Published.On<InferenceRequest>(Sidecar, Topics.Requests).Length == before)
        {
            if (answer.IsCompleted) throw new Xunit.Sdk.XunitException($"The gateway answered before publishing: {await (await answer).Content.ReadAsStringAsync(cancellationToken)}");
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException("The gateway published no request in 30 s.");
            await Task.Delay(20, cancellationToken);
        }
        return (answer, Published.On<InferenceRequest>(Sidecar, Topics.Requests)[before]);
    }

    /// <summary>Delivers <paramref name="reply"/> to the gateway's reply route and returns its status answer.</summary>
    public Task<string> ReplyAsync(ReplyMessage reply) => App.Client.DeliverAsync<ReplyMessage>(ReplyTopic, reply);

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Sidecar.DisposeAsync();
    }
}
