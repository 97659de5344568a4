using Mesh.Contracts;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Mesh.Client;

/// <summary>
/// Maps Microsoft.Extensions.AI messages and options onto a <see cref="ChatCompletionRequest"/>. What Mesh cannot
/// honour and would change the answer (tools, a JSON response format, non-text content, server-side
/// conversations, continuation) is refused with <see cref="NotSupportedException"/> rather than dropped.
/// </summary>
internal static class ChatRequestMapper
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> keys read as Mesh's extra sampling fields.</summary>
    public const string MinPKey = "min_p";
    public const string RepetitionPenaltyKey = "repetition_penalty";
    public const string IgnoreEosKey = "ignore_eos";
    public const string PriorityKey = "priority";

    public static ChatCompletionRequest Map(IEnumerable<AiChatMessage> messages, ChatOptions? options, string? defaultModel, IChatClient client)
    {
        ArgumentNullException.ThrowIfNull(messages);
        RefuseUnsupported(options);
        ChatCompletionRequest? seed = options?.RawRepresentationFactory?.Invoke(client) as ChatCompletionRequest;
        string model = options?.ModelId ?? seed?.Model ?? defaultModel
            ?? throw new InvalidOperationException("No model to ask: set ChatOptions.ModelId or give MeshChatClient a default model.");

        List<ChatTurn> turns = [];
        if (!string.IsNullOrEmpty(options?.Instructions)) turns.Add(ChatTurn.System(options.Instructions));
        int index = 0;
        foreach (AiChatMessage message in messages)
        {
            turns.Add(new ChatTurn(message.Role.Value, TextOf(message, index)));
            index++;
        }

        ChatCompletionRequest request = seed ?? new ChatCompletionRequest { Model = model, Messages = turns };
        if (options is null) return request with { Model = model, Messages = turns };
        AdditionalPropertiesDictionary? extra = options.AdditionalProperties;
        return request with
        {
            Model = model,
            Messages = turns,
            Temperature = options.Temperature ?? request.Temperature,
            TopP = options.TopP ?? request.TopP,
            TopK = options.TopK ?? request.TopK,
            MaxTokens = options.MaxOutputTokens ?? request.MaxTokens,
            Seed = options.Seed ?? request.Seed,
            FrequencyPenalty = options.FrequencyPenalty ?? request.FrequencyPenalty,
            PresencePenalty = options.PresencePenalty ?? request.PresencePenalty,
            Stop = options.StopSequences is { Count: > 0 } stop ? [.. stop] : request.Stop,
            MinP = Extra<float>(extra, MinPKey) ?? request.MinP,
            RepetitionPenalty = Extra<float>(extra, RepetitionPenaltyKey) ?? request.RepetitionPenalty,
            IgnoreEos = Extra<bool>(extra, IgnoreEosKey) ?? request.IgnoreEos,
            Priority = PriorityOf(extra) ?? request.Priority,
        };
    }

    private static void RefuseUnsupported(ChatOptions? options)
    {
        if (options is null) return;
        if (options.Tools is { Count: > 0 })
            throw new NotSupportedException("Mesh does not run tools: ChatOptions.Tools must be empty.");
        if (options.ResponseFormat is not null and not ChatResponseFormatText)
            throw new NotSupportedException("Mesh answers plain text only: ChatOptions.ResponseFormat must be null or Text.");
        if (options.ConversationId is not null)
            throw new NotSupportedException("Mesh keeps no conversation state: send the whole history instead of ChatOptions.ConversationId.");
        if (options.ContinuationToken is not null)
            throw new NotSupportedException("Mesh has no background responses: ChatOptions.ContinuationToken must be null.");
    }

    /// <summary>The message's text; any content other than text is refused.</summary>
    private static string TextOf(AiChatMessage message, int index)
    {
        foreach (AIContent content in message.Contents)
        {
            if (content is not TextContent)
                throw new NotSupportedException($"Mesh accepts text only: message {index} ({message.Role}) holds {content.GetType().Name}.");
        }
        return message.Text;
    }

    private static T? Extra<T>(AdditionalPropertiesDictionary? extra, string key) where T : struct =>
        extra is not null && extra.TryGetValue(key, out T value) ? value : null;

    private static Priority? PriorityOf(AdditionalPropertiesDictionary? extra)
    {
        if (extra is null || !extra.TryGetValue(PriorityKey, out object? value) || value is null) return null;
        return value switch
        {
            Priority p => p,
            string s when s.Equals("online", StringComparison.OrdinalIgnoreCase) => Priority.Online,
            string s when s.Equals("offline", StringComparison.OrdinalIgnoreCase) => Priority.Offline,
            _ => throw new ArgumentException($"ChatOptions.AdditionalProperties[\"{PriorityKey}\"] must be \"online\", \"offline\" or a Priority, was '{value}'."),
        };
    }
}
