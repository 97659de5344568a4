using System.Text.Json;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace Mesh.Dapr.Tests;

/// <summary>What a service published through its DaprClient to the fake sidecar, read back as contract messages.</summary>
internal static class Published
{
    /// <summary>Messages published to <paramref name="topic"/> so far, read as <typeparamref name="T"/>.</summary>
    public static T[] On<T>(FakeDaprSidecar sidecar, string topic) where T : notnull =>
        [.. sidecar.Runtime.Published.Where(p => p.Topic == topic).Select(Read<T>)];

    /// <summary>
    /// The first message on <paramref name="topic"/> that <paramref name="match"/> accepts; fails after 30 s naming the
    /// topics that were published to.
    /// </summary>
    public static async Task<T> WaitAsync<T>(FakeDaprSidecar sidecar, string topic, Func<T, bool>? match = null) where T : notnull
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            foreach (T message in On<T>(sidecar, topic))
                if (match is null || match(message)) return message;
            if (DateTime.UtcNow > deadline)
            {
                string seen = string.Join(", ", sidecar.Runtime.Published.Select(p => p.Topic).Distinct());
                throw new Xunit.Sdk.XunitException($"Nothing matching was published to {topic} in 30 s; topics published to: [{seen}].");
            }
            await Task.Delay(20);
        }
    }

    private static T Read<T>(Autogen.PublishEventRequest request) where T : notnull
    {
        Assert.Equal("pubsub", request.PubsubName);
        Assert.Equal("application/json", request.DataContentType);
        return JsonSerializer.Deserialize(request.Data.Span, Deliveries.TypeInfo<T>())
               ?? throw new Xunit.Sdk.XunitException($"A JSON null was published to {request.Topic}.");
    }
}
