using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Mesh.Client;

/// <summary>Maps the gateway's answers onto Microsoft.Extensions.AI responses and updates.</summary>
internal static class ChatResponseMapper
{
    /// <summary>A non-streaming answer; its first choice becomes the response message.</summary>
    public static ChatResponse ToResponse(ChatCompletion completion)
    {
        DateTimeOffset created = DateTimeOffset.FromUnixTimeSeconds(completion.Created);
        ChatCompletionChoice? choice = completion.Choices.Count > 0 ? completion.Choices[0] : null;
        var message = new AiChatMessage(ChatRole.Assistant, choice?.Message.Content ?? "")
        {
            MessageId = completion.Id,
            CreatedAt = created,
            RawRepresentation = choice,
        };
        return new ChatResponse(message)
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = created,
            FinishReason = FinishReason(choice?.FinishReason),
            Usage = Usage(completion.Usage),
            RawRepresentation = completion,
        };
    }

    /// <summary>
    /// One streamed event: the first choice's role, text and finish reason, or (the usage event) a
    /// <see cref="UsageContent"/>.
    /// </summary>
    public static ChatResponseUpdate ToUpdate(ChatCompletionUpdate update)
    {
        ChatUpdateChoice? choice = update.Choices.Count > 0 ? update.Choices[0] : null;
        List<AIContent> contents = [];
        if (choice?.Delta.Content is { Length: > 0 } text) contents.Add(new TextContent(text));
        if (update.Usage is not null) contents.Add(new UsageContent(Usage(update.Usage)!));
        return new ChatResponseUpdate(ChatRole.Assistant, contents)
        {
            ResponseId = update.Id,
            MessageId = update.Id,
            ModelId = update.Model,
            CreatedAt = DateTimeOffset.FromUnixTimeSeconds(update.Created),
            FinishReason = FinishReason(choice?.FinishReason),
            RawRepresentation = update,
        };
    }

    /// <summary>OpenAI's finish reason; Mesh's <c>abort</c> (a cancelled choice) is kept under its own name.</summary>
    public static ChatFinishReason? FinishReason(string? reason) => reason switch
    {
        null => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(reason),
    };

    public static UsageDetails? Usage(TokenUsage? usage) => usage is null ? null : new UsageDetails
    {
        InputTokenCount = usage.PromptTokens,
        OutputTokenCount = usage.CompletionTokens,
        TotalTokenCount = usage.TotalTokens,
        CachedInputTokenCount = usage.PromptTokensDetails?.CachedTokens,
    };
}
