using System.Text;
using System.Text.Json;
using Mesh.Contracts;
using Mesh.Gateway.OpenAi;
using static Mesh.Gateway.RequestErrors;

namespace Mesh.Gateway.Requests;

/// <summary>
/// Turns <c>messages</c> and <c>prompt</c> into a <see cref="Prompt"/>. Chat content may be a string or text parts
/// (joined with a newline); <c>developer</c> turns are sent as <c>system</c>. A completions prompt may be a string,
/// token ids, or a one-element array of either; several prompts in one request are refused.
/// </summary>
internal static class PromptMapper
{
    public static ChatPrompt Chat(ChatRequestMessage[]? messages)
    {
        if (messages is null) Missing("messages");
        if (messages.Length == 0) Invalid("messages", "'messages' must contain at least one message.");
        var mapped = new ChatMessage[messages.Length];
        for (int i = 0; i < messages.Length; i++) mapped[i] = Message(messages[i], i);
        return new ChatPrompt(mapped);
    }

    public static Prompt Completion(JsonElement? prompt)
    {
        if (prompt is not { ValueKind: not JsonValueKind.Null } element) throw MissingError("prompt");
        return CompletionPrompt(element, nested: false);
    }

    private static ChatMessage Message(ChatRequestMessage? message, int i)
    {
        if (message is null) Invalid($"messages[{i}]", $"'messages[{i}]' must be an object.");
        string role = message.Role switch
        {
            null => throw MissingError($"messages[{i}].role"),
            "system" or "user" or "assistant" or "tool" => message.Role,
            "developer" => "system",
            _ => throw InvalidError(
                $"messages[{i}].role",
                $"Invalid value for 'messages[{i}].role': '{message.Role}'. Supported values are 'system', 'developer', 'user', 'assistant' and 'tool'."),
        };
        return new ChatMessage(role, Content(message.Content, role, i));
    }

    private static string Content(JsonElement? content, string role, int i)
    {
        string param = $"messages[{i}].content";
        if (content is not { ValueKind: not JsonValueKind.Null } element)
            return role == "assistant" ? "" : throw MissingError(param);
        if (element.ValueKind == JsonValueKind.String) return element.GetString()!;
        if (element.ValueKind != JsonValueKind.Array) Invalid(param, $"'{param}' must be a string or an array of content parts.");

        var text = new StringBuilder();
        int j = 0;
        foreach (JsonElement part in element.EnumerateArray())
        {
            string partParam = $"{param}[{j}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String)
                throw InvalidError(partParam, $"'{partParam}' must be an object with a 'type'.");
            if (type.GetString() != "text")
                Unsupported($"{partParam}.type", $"Content parts of type '{type.GetString()}' are not supported; only 'text' is.");
            if (!part.TryGetProperty("text", out JsonElement value) || value.ValueKind != JsonValueKind.String)
                Invalid($"{partParam}.text", $"'{partParam}.text' must be a string.");
            if (j > 0) text.Append('\n');
            text.Append(value.GetString());
            j++;
        }
        return text.ToString();
    }

    private static Prompt CompletionPrompt(JsonElement element, bool nested)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                string text = element.GetString()!;
                if (text.Length == 0) Invalid("prompt", "'prompt' must not be empty.");
                return new TextPrompt(text);
            case JsonValueKind.Array:
                int count = element.GetArrayLength();
                if (count == 0) Invalid("prompt", "'prompt' must not be empty.");
                JsonElement first = element[0];
                if (first.ValueKind == JsonValueKind.Number) return Tokens(element, count);
                if (nested) break;
                if (count > 1) Unsupported("prompt", "Several prompts in one request are not supported; send one request per prompt.");
                return CompletionPrompt(first, nested: true);
        }
        throw InvalidError("prompt", "'prompt' must be a string or an array of token ids.");
    }

    private static TokenPrompt Tokens(JsonElement array, int count)
    {
        var ids = new int[count];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id) || id < 0)
                throw InvalidError("prompt", $"'prompt[{i}]' must be a token id (an integer ≥ 0).");
            ids[i++] = id;
        }
        return new TokenPrompt(ids);
    }
}
