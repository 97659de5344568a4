using System.Text;
using Mesh.Client;

namespace Mesh.Cli.Commands;

/// <summary>
/// <c>mesh chat</c>: a conversation with a Mesh gateway on standard input and output. Each line is a user turn; the
/// reply streams as it is generated and joins the history, so the next turn sees the whole conversation.
/// <c>/exit</c> or the end of input ends it. The gateway is asked for its models first, so an unreachable address,
/// a rejected key or an unknown model fail at once (exit 1); an error answer to one turn is reported and that turn
/// is dropped from the history.
/// </summary>
public static class ChatCommand
{
    /// <summary>Environment variable read for the key when <c>--api-key</c> is not given.</summary>
    public const string ApiKeyVariable = "MESH_API_KEY";

    /// <summary>The line that ends the conversation.</summary>
    public const string ExitCommand = "/exit";

    /// <summary>The prompt written before each user turn.</summary>
    public const string Prompt = "> ";

    public static int Run(string[] args) =>
        RunAsync(args, Console.In, Console.Out, Console.Error, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The chat loop over the given reader and writers.</summary>
    /// <exception cref="UsageException">A bad command line.</exception>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var cl = CommandLine.Parse(args, new HashSet<string>());
        string url = cl.Required("url");
        string? model = cl.String("model");
        string? apiKey = cl.String("api-key") ?? Environment.GetEnvironmentVariable(ApiKeyVariable);
        string? system = cl.String("system");
        float? temperature = cl.Has("temperature") ? cl.Float("temperature", 1f) : null;
        int? maxTokens = cl.Has("max-tokens") ? cl.Int("max-tokens", 0) : null;
        cl.RejectUnknown();
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
            throw new UsageException($"--url expects an http or https address, got '{url}'");

        using var client = new MeshHttpClient(address, apiKey);
        try
        {
            model = await ChooseModelAsync(client, model, cancellationToken);
        }
        catch (MeshClientException ex)
        {
            await error.WriteLineAsync($"mesh: {ex.Message}");
            return 1;
        }
        await error.WriteLineAsync($"[chatting with {model} at {client.Endpoint}; {ExitCommand} or end of input quits]");

        List<ChatTurn> history = system is null ? [] : [ChatTurn.System(system)];
        while (true)
        {
            await output.WriteAsync(Prompt);
            await output.FlushAsync(cancellationToken);
            string? line = await input.ReadLineAsync(cancellationToken);
            if (line is null || line.Trim() == ExitCommand) break;
            if (line.Trim().Length == 0) continue;

            history.Add(ChatTurn.User(line));
            var request = new ChatCompletionRequest
            {
                Model = model,
                Messages = [.. history],
                Temperature = temperature,
                MaxTokens = maxTokens,
                IncludeUsageInStream = true,
            };
            try
            {
                string reply = await StreamReplyAsync(client, request, output, error, cancellationToken);
                history.Add(ChatTurn.Assistant(reply));
            }
            catch (MeshApiException ex)
            {
                history.RemoveAt(history.Count - 1);
                await output.WriteLineAsync();
                await error.WriteLineAsync($"mesh: {ex.Message}");
            }
            catch (MeshClientException ex)
            {
                await output.WriteLineAsync();
                await error.WriteLineAsync($"mesh: {ex.Message}");
                return 1;
            }
        }
        await output.WriteLineAsync();
        return 0;
    }

    /// <summary>The model to talk to: the one asked for (the gateway answers 404 when it does not serve it), else the gateway's first.</summary>
    private static async Task<string> ChooseModelAsync(MeshHttpClient client, string? wanted, CancellationToken cancellationToken)
    {
        if (wanted is not null) return (await client.GetModelAsync(wanted, cancellationToken)).Id;
        IReadOnlyList<ModelInfo> models = await client.ListModelsAsync(cancellationToken);
        return models.Count > 0 ? models[0].Id : throw new MeshProtocolException($"{client.Endpoint} serves no models.");
    }

    /// <summary>Writes the reply as it streams; returns its text. The finish reason and token counts go to <paramref name="error"/>.</summary>
    private static async Task<string> StreamReplyAsync(MeshHttpClient client, ChatCompletionRequest request, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        string? finish = null;
        TokenUsage? usage = null;
        await foreach (ChatCompletionUpdate update in client.StreamChatAsync(request, cancellationToken))
        {
            usage ??= update.Usage;
            if (update.Choices.Count == 0) continue;
            finish ??= update.Choices[0].FinishReason;
            string delta = update.ContentDelta;
            if (delta.Length == 0) continue;
            text.Append(delta);
            await output.WriteAsync(delta);
            await output.FlushAsync(cancellationToken);
        }
        await output.WriteLineAsync();
        string counts = usage is null ? "" : $", {usage.PromptTokens} prompt + {usage.CompletionTokens} completion tokens";
        await error.WriteLineAsync($"[{finish ?? "no finish reason"}{counts}]");
        return text.ToString();
    }
}
