using System.Text.Json;
using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tokenization;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh generate</c>: one prompt through the engine, text streamed to stdout, or one
/// JSON object with ids, text and speeds.</summary>
public static class GenerateCommand
{
    public static int Run(string[] args)
    {
        var cl = CommandLine.Parse(args, new HashSet<string> { "chat", "json" });
        string? modelPath = cl.String("model");
        string? prompt = cl.String("prompt");
        string? promptIds = cl.String("prompt-ids");
        bool chat = cl.Has("chat");
        bool json = cl.Has("json");
        var sampling = new SamplingParams
        {
            MaxTokens = cl.Int("max-tokens", 128),
            Temperature = cl.Float("temperature", 0.8f),
            TopP = cl.Float("top-p", 0.95f),
            TopK = cl.Int("top-k", 0),
            MinP = cl.Float("min-p", 0f),
            Seed = cl.ULong("seed", (ulong)Random.Shared.NextInt64()),
        };
        int threads = cl.Int("threads", Environment.ProcessorCount);
        cl.RejectUnknown();
        if ((prompt is null) == (promptIds is null)) throw new UsageException("give exactly one of --prompt or --prompt-ids");
        if (chat && promptIds is not null) throw new UsageException("--chat formats text; it cannot be used with --prompt-ids");

        modelPath ??= EmbeddedModel.EnsureDefault(Console.Error);
        using var model = ModelLoader.Load(modelPath);
        int[] ids = promptIds is not null ? ParseIds(promptIds) : Encode(model, prompt!, chat);
        using var engine = new InferenceEngine(model, new EngineOptions { Threads = threads, MaxSequences = 1 });

        Action<string>? stream = json ? null : text => Console.Out.Write(text);
        var result = Generation.Run(engine, ids, sampling, stream);
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new GenerateJson(result.PromptIds, result.Ids, result.Text,
                Math.Round(result.PrefillTokensPerSecond, 1), Math.Round(result.DecodeTokensPerSecond, 1), Reason(result.Finish)),
                CliJsonContext.Default.GenerateJson));
        }
        else
        {
            Console.Out.WriteLine();
            Console.Error.WriteLine($"[{result.PromptIds.Length} prompt tokens at {result.PrefillTokensPerSecond:F1} tok/s, " +
                $"{result.Ids.Length} generated at {result.DecodeTokensPerSecond:F1} tok/s, finish: {Reason(result.Finish)}]");
        }
        return 0;
    }

    private static int[] Encode(LoadedModel model, string prompt, bool chat)
    {
        if (!chat) return model.Tokenizer.Encode(prompt, model.Tokenizer.AddBos);
        var format = model.ChatFormat ?? throw new UnknownChatFormatException(
            $"{model.Path}: no chat format recognised for this model; use --prompt without --chat");
        string text = format.Apply([new ChatMessage("user", prompt)], addGenerationPrompt: true);
        // llama3, llama2 and mistral templates write the BOS text themselves
        return model.Tokenizer.Encode(text, addBos: !format.WritesBos && model.Tokenizer.AddBos);
    }

    private static int[] ParseIds(string s)
    {
        try
        {
            return s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        }
        catch (FormatException)
        {
            throw new UsageException($"--prompt-ids expects comma-separated integers, got '{s}'");
        }
    }

    private static string Reason(FinishReason f) => f switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.Cancelled => "cancelled",
        _ => "none",
    };
}

/// <summary>The one JSON object <c>mesh generate --json</c> prints (snake_case on the wire).</summary>
public sealed record GenerateJson(
    int[] PromptIds, int[] Ids, string Text, double PrefillTokensPerS, double DecodeTokensPerS, string FinishReason);
