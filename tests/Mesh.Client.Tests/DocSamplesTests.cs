using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Messaging;
using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Client.Tests;

/// <summary>Runs the samples of docs/client.md and checks the doc still shows them as compiled here.</summary>
public sealed partial class DocSamplesTests
{
    [Fact]
    public async Task The_HTTP_samples_run_against_the_gateway()
    {
        await using GatewayServer server = await GatewayServer.StartAsync();
        var output = new StringWriter();
        using var mesh = new MeshHttpClient(server.Address);

        await DocSamples.HttpAsync(server.Address, output);
        await DocSamples.ErrorsAsync(mesh, output);

        Assert.StartsWith("Hello [stop, 7 tokens]\nHello\nHello 2\n404 model: The model", output.ToString().ReplaceLineEndings("\n"));
        Assert.Equal([1, 9038, 2501], Assert.IsType<TokenPrompt>(server.Scheduler.Requests.Last().Prompt).TokenIds);
    }

    [Fact]
    public async Task The_IChatClient_sample_runs_against_the_gateway()
    {
        await using GatewayServer server = await GatewayServer.StartAsync();
        var output = new StringWriter();

        await DocSamples.ChatClientAsync(server.Address, output);

        Assert.Equal("Hello [stop, 2 tokens]\nHello\n7\n", output.ToString().ReplaceLineEndings("\n"));
        Assert.All(server.Scheduler.Requests.Entries, r => Assert.Equal((40, 0.05f, Priority.Offline), (r.Sampling.TopK, r.Sampling.MinP, r.Envelope.Priority)));
    }

    [Fact]
    public async Task The_bus_samples_run_on_the_in_process_bus()
    {
        var scheduler = new FakeScheduler();
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Error" });
        DocSamples.RegisterBusClient(builder);
        builder.AddMeshBus()
            .Subscribe<InferenceRequest>(Topics.Requests, scheduler.OnRequestAsync, FakeScheduler.Group)
            .Subscribe<CancelRequest>(Topics.Cancellations, scheduler.OnCancelAsync, FakeScheduler.Group);
        await using WebApplication app = builder.Build();
        DocSamples.MapBusClient(app);
        scheduler.Attach(app.Services.GetRequiredService<IMeshBus>());
        await app.StartAsync();
        var output = new StringWriter();

        await DocSamples.SubmitOnBusAsync(app.Services, output);
        await app.StopAsync();

        Assert.Equal("Hello [Stop, 2 tokens]\nHello\n", output.ToString().ReplaceLineEndings("\n"));
        Assert.Equal("mesh.replies.batch-report", scheduler.Requests.Entries[0].ReplyTopic);
        Assert.Equal(Priority.Offline, scheduler.Requests.Entries[0].Envelope.Priority);
        Assert.Equal(0, scheduler.Cancellations.Count);
    }

    [Fact]
    public async Task The_Service_Bus_sample_runs_over_a_fake_namespace()
    {
        var client = new FakeServiceBusClient();
        client.OnSend = (topic, message) =>
        {
            if (topic != Topics.Requests) return;
            InferenceRequest request = JsonSerializer.Deserialize(CloudEvent.Parse(message.Body)!.Data!.ToString(), MeshJsonContext.Default.InferenceRequest)!;
            foreach (ReplyMessage reply in ScriptedReplies.Text(request, FinishReason.Length, " there", " was"))
                client.Receiver!.Enqueue(DaprEvents.Received(DaprEvents.Reply(reply, request.ReplyTopic)));
        };
        var output = new StringWriter();

        await DocSamples.ServiceBusAsync(client, output);

        Assert.Equal(" there was\n", output.ToString().ReplaceLineEndings("\n"));
        Assert.Equal(("mesh.replies.batch-report", "batch-report"), (client.Receiver!.Topic, client.Receiver.Subscription));
    }

    [Fact]
    public void The_doc_shows_every_sample_as_compiled()
    {
        string folder = SourceFolder();
        string samples = File.ReadAllText(Path.Combine(folder, "DocSamples.cs")).ReplaceLineEndings("\n");
        string doc = File.ReadAllText(Path.Combine(folder, "..", "..", "docs", "client.md")).ReplaceLineEndings("\n");

        MatchCollection found = Sample().Matches(samples);
        Assert.Equal(7, found.Count);
        foreach (Match sample in found)
        {
            string code = Dedent(sample.Groups["code"].Value);
            Assert.True(doc.Contains(code, StringComparison.Ordinal), $"docs/client.md does not show sample '{sample.Groups["name"].Value}' as in DocSamples.cs:\n{code}");
        }
    }

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    /// <summary>Removes the indentation the sample has in its method.</summary>
    private static string Dedent(string code)
    {
        string[] lines = code.TrimEnd('\n', ' ').Split('\n');
        int indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    [GeneratedRegex(@"// sample: (?<name>[a-z-]+)\n(?<code>.*?)\n\s*// end sample", RegexOptions.Singleline)]
    private static partial Regex Sample();
}
