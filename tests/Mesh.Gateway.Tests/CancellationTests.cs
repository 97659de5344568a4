using System.Text;
using Mesh.Contracts;

namespace Mesh.Gateway.Tests;

/// <summary>A client that goes away cancels its request in the mesh and stops the gateway waiting.</summary>
public sealed class CancellationTests
{
    [Fact]
    public async Task Disconnecting_from_a_stream_publishes_a_cancel_request()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = r => [ScriptedReplies.Chunk(r, 0, 0, "Hel", attempt: 2)];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Http.Json("""{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"stream":true}"""),
        };

        using (HttpResponseMessage response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
            Assert.StartsWith("data: ", await reader.ReadLineAsync());
        }

        await host.Backend.Cancellations.WaitForAsync(1);
        CancelRequest cancel = Assert.Single(host.Backend.Cancellations.Entries);
        InferenceRequest published = Assert.Single(host.Backend.Requests.Entries);
        Assert.Equal(published.Envelope with { Attempt = 2 }, cancel.Envelope);
        Assert.Equal("client disconnected", cancel.Reason);
        await WaitUntilAsync(() => host.Registry().Count == 0);
    }

    [Fact]
    public async Task Disconnecting_while_waiting_for_a_whole_answer_publishes_a_cancel_request()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = _ => [];
        using var client = new CancellationTokenSource();

        Task<HttpResponseMessage> call = host.Client.PostAsync("/v1/completions", Http.Json("""{"model":"tiny","prompt":"x"}"""), client.Token);
        await host.Backend.Requests.WaitForAsync(1);
        await client.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await host.Backend.Cancellations.WaitForAsync(1);
        Assert.Equal(host.Backend.Requests.Entries[0].Envelope.RequestId, host.Backend.Cancellations.Entries[0].Envelope.RequestId);
        await WaitUntilAsync(() => host.Registry().Count == 0);
    }

    [Fact]
    public async Task Replies_after_the_client_left_are_dropped()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        host.Backend.Script = _ => [];
        using var client = new CancellationTokenSource();
        Task<HttpResponseMessage> call = host.Client.PostAsync("/v1/completions", Http.Json("""{"model":"tiny","prompt":"x"}"""), client.Token);
        await host.Backend.Requests.WaitForAsync(1);
        await client.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await host.Backend.Cancellations.WaitForAsync(1);

        InferenceRequest gone = host.Backend.Requests.Entries[0];
        await host.Backend.PublishAsync(gone, ScriptedReplies.Text(gone, FinishReason.Stop, "late"));
        host.Backend.Script = r => ScriptedReplies.Text(r, FinishReason.Stop, "on time");
        (System.Net.HttpStatusCode status, System.Text.Json.JsonElement body) = await Http.PostAsync(host.Client, "/v1/completions", """{"model":"tiny","prompt":"x"}""");

        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Equal("on time", body.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(0, host.Registry().Count);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition());
    }
}
