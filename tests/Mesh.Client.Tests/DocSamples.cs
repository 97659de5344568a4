using Azure.Messaging.ServiceBus;
using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Client.Tests;

/// <summary>
/// The code samples of docs/client.md, compiled here and run by <see cref="DocSamplesTests"/>; the text between
/// <c>// sample: name</c> and <c>// end sample</c> must appear verbatim (dedented) in the doc.
/// </summary>
internal static class DocSamples
{
    public static async Task HttpAsync(Uri gateway, TextWriter output)
    {
        // sample: http
        using var mesh = new MeshHttpClient(gateway, apiKey: null);   // gateway = http://localhost:5100

        var request = new ChatCompletionRequest
        {
            Model = "tiny",
            Messages = [ChatTurn.System("Answer briefly."), ChatTurn.User("What is Mesh?")],
            MaxTokens = 64,
            Temperature = 0.7f,
        };
        ChatCompletion answer = await mesh.CompleteChatAsync(request);
        output.WriteLine($"{answer.Text} [{answer.Choices[0].FinishReason}, {answer.Usage?.TotalTokens} tokens]");

        await foreach (ChatCompletionUpdate update in mesh.StreamChatAsync(request with { IncludeUsageInStream = true }))
            output.Write(update.ContentDelta);

        TextCompletion text = await mesh.CompleteAsync(new TextCompletionRequest { Model = "tiny", Prompt = new[] { 1, 9038, 2501 } });
        IReadOnlyList<ModelInfo> models = await mesh.ListModelsAsync();
        // end sample
        output.WriteLine();
        output.WriteLine($"{text.Text} {models.Count}");
    }

    public static async Task ErrorsAsync(MeshHttpClient mesh, TextWriter output)
    {
        // sample: errors
        try
        {
            await mesh.CompleteChatAsync(new ChatCompletionRequest { Model = "gpt-9", Messages = [ChatTurn.User("Hi")] });
        }
        catch (MeshApiException ex) when (ex.Code == "model_not_found")
        {
            output.WriteLine($"{(int?)ex.StatusCode} {ex.Param}: {ex.ErrorMessage}");   // 404 model: …
        }
        catch (MeshConnectionException ex)
        {
            output.WriteLine($"gateway down: {ex.Message}");
        }
        // end sample
    }

    public static async Task ChatClientAsync(Uri gateway, TextWriter output)
    {
        // sample: ichatclient
        IChatClient chat = new MeshChatClient(gateway, defaultModel: "tiny");

        var options = new ChatOptions
        {
            MaxOutputTokens = 64,
            Temperature = 0.7f,
            TopK = 40,
            StopSequences = ["\n\n"],
            AdditionalProperties = new() { ["min_p"] = 0.05f, ["priority"] = "offline" },
        };
        ChatResponse response = await chat.GetResponseAsync("What is Mesh?", options);
        output.WriteLine($"{response.Text} [{response.FinishReason}, {response.Usage?.OutputTokenCount} tokens]");

        List<ChatResponseUpdate> updates = [];
        await foreach (ChatResponseUpdate update in chat.GetStreamingResponseAsync("And why?", options))
        {
            output.Write(update.Text);
            updates.Add(update);
        }
        ChatResponse streamed = updates.ToChatResponse();   // text, finish reason and usage of the stream
        // end sample
        output.WriteLine();
        output.WriteLine(streamed.Usage?.TotalTokenCount);
        chat.Dispose();
    }

    public static void RegisterBusClient(WebApplicationBuilder builder)
    {
        // sample: bus-register
        builder.AddMeshBusClient(new MeshClientOptions { ClientId = "batch-report" });   // listens on mesh.replies.batch-report
        // end sample
    }

    public static void MapBusClient(WebApplication app)
    {
        // sample: bus-map
        app.MapMeshSubscriptions();   // under Dapr: the route the sidecar delivers replies to
        // end sample
    }

    public static async Task SubmitOnBusAsync(IServiceProvider services, TextWriter output)
    {
        // sample: bus-submit
        MeshBusClient mesh = services.GetRequiredService<MeshBusClient>();
        InferenceRequest request = mesh.CreateRequest(
            "tiny",
            new ChatPrompt([new("user", "Summarize the report.")]),
            new SamplingParameters(MaxTokens: 128, Temperature: 0),
            priority: Priority.Offline);

        await using (MeshReplyStream replies = await mesh.SubmitAsync(request))
        {
            await foreach (ReplyMessage reply in replies.ReadAllAsync())
            {
                if (reply is TokenChunk chunk) output.Write(chunk.TextDelta);
                else if (reply is Completed done) output.WriteLine($" [{done.FinishReason}, {done.Usage.CompletionTokens} tokens]");
            }
        }

        MeshCompletion whole = await mesh.CompleteAsync(mesh.CreateRequest("tiny", new TextPrompt("Once upon a time")));
        // end sample
        output.WriteLine(whole.Text);
    }

    public static async Task ServiceBusAsync(ServiceBusClient client, TextWriter output)
    {
        // sample: servicebus
        // client = new ServiceBusClient("<namespace>.servicebus.windows.net", new DefaultAzureCredential())
        await using var submitter = new ServiceBusSubmitter(client, new MeshClientOptions { ClientId = "batch-report" });

        InferenceRequest request = submitter.CreateRequest("tiny", new TextPrompt("Once upon a time"), new SamplingParameters(MaxTokens: 32));
        MeshCompletion answer = await submitter.CompleteAsync(request);
        output.WriteLine(answer.Text);
        // end sample
    }
}
