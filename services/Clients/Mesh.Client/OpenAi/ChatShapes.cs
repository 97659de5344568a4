using System.Text.Json.Serialization;

namespace Mesh.Client;

/// <summary>One chat message: a role (<c>system</c>, <c>developer</c>, <c>user</c>, <c>assistant</c>, <c>tool</c>) and its text.</summary>
/// <param name="Role">Who speaks.</param>
/// <param name="Content">What was said.</param>
public sealed record ChatTurn(string Role, string Content)
{
    /// <summary>A system message.</summary>
    public static ChatTurn System(string content) => new("system", content);

    /// <summary>A user message.</summary>
    public static ChatTurn User(string content) => new("user", content);

    /// <summary>An assistant message (a reply kept in the history).</summary>
    public static ChatTurn Assistant(string content) => new("assistant", content);
}

/// <summary>A <c>POST /v1/chat/completions</c> request.</summary>
public sealed record ChatCompletionRequest : GenerationRequest
{
    /// <summary>The conversation, oldest first; at least one.</summary>
    public required IReadOnlyList<ChatTurn> Messages { get; init; }

    /// <summary>Return the log-probability of each generated token.</summary>
    public bool? Logprobs { get; init; }

    /// <summary>Also return this many most likely alternatives per token, [0, 20]; needs <see cref="Logprobs"/>.</summary>
    public int? TopLogprobs { get; init; }
}

/// <summary><c>chat.completion</c>: the answer to a non-streaming chat request.</summary>
/// <param name="Id"><c>chatcmpl-…</c>, also the request id in the mesh.</param>
/// <param name="Object"><c>chat.completion</c>.</param>
/// <param name="Created">Unix seconds.</param>
/// <param name="Model">The model that answered.</param>
/// <param name="Choices">One per requested choice, by index.</param>
/// <param name="Usage">Token counts.</param>
public sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<ChatCompletionChoice> Choices, TokenUsage? Usage)
{
    /// <summary>The first choice's text (the whole answer when n = 1).</summary>
    [JsonIgnore]
    public string Text => Choices.Count > 0 ? Choices[0].Message.Content : "";
}

/// <summary>One finished choice.</summary>
/// <param name="Index">Choice index.</param>
/// <param name="Message">The assistant message.</param>
/// <param name="Logprobs">Per-token log-probabilities when asked for.</param>
/// <param name="FinishReason"><c>stop</c>, <c>length</c> or <c>abort</c>.</param>
public sealed record ChatCompletionChoice(int Index, ChatTurn Message, ChatLogprobs? Logprobs, string? FinishReason);

/// <summary>
/// <c>chat.completion.chunk</c>: one event of a streaming chat request. Each choice opens with a delta carrying the
/// role, then one delta per token chunk, then an empty delta with the finish reason. With
/// <see cref="GenerationRequest.IncludeUsageInStream"/>, a last event has no choices and carries <see cref="Usage"/>.
/// </summary>
/// <param name="Id">The same for every event of a response.</param>
/// <param name="Object"><c>chat.completion.chunk</c>.</param>
/// <param name="Created">Unix seconds.</param>
/// <param name="Model">The model that answers.</param>
/// <param name="Choices">The choices this event adds to (usually one).</param>
/// <param name="Usage">Only on the usage event.</param>
public sealed record ChatCompletionUpdate(string Id, string Object, long Created, string Model, IReadOnlyList<ChatUpdateChoice> Choices, TokenUsage? Usage)
{
    /// <summary>The text this event adds to its first choice; empty when it adds none.</summary>
    [JsonIgnore]
    public string ContentDelta => Choices.Count > 0 ? Choices[0].Delta.Content ?? "" : "";
}

/// <summary>A choice's part of a streamed event.</summary>
/// <param name="Index">Choice index; events of different choices interleave.</param>
/// <param name="Delta">What the event adds to the message.</param>
/// <param name="Logprobs">Log-probabilities of the tokens in this delta, when asked for.</param>
/// <param name="FinishReason">Set on the choice's last event only.</param>
public sealed record ChatUpdateChoice(int Index, ChatDelta Delta, ChatLogprobs? Logprobs, string? FinishReason);

/// <summary>What a streamed event adds to the assistant message: the role on a choice's first event, then text.</summary>
/// <param name="Role"><c>assistant</c> on the first event of a choice, else null.</param>
/// <param name="Content">Text to append; null on the first and last events.</param>
public sealed record ChatDelta(string? Role, string? Content);

/// <summary>Chat <c>logprobs</c>.</summary>
/// <param name="Content">One entry per generated token.</param>
public sealed record ChatLogprobs(IReadOnlyList<TokenLogprob> Content);

/// <summary>A generated token and its log-probability.</summary>
/// <param name="Token"><c>token_id:&lt;id&gt;</c> (the gateway returns ids, vLLM's convention).</param>
/// <param name="Logprob">Natural-log probability; <c>-9999</c> stands for minus infinity.</param>
/// <param name="Bytes">UTF-8 bytes of the token; null from Mesh.</param>
/// <param name="TopLogprobs">The most likely alternatives at this position.</param>
public sealed record TokenLogprob(string Token, float Logprob, IReadOnlyList<int>? Bytes, IReadOnlyList<TopTokenLogprob>? TopLogprobs);

/// <summary>An alternative at a position.</summary>
/// <param name="Token"><c>token_id:&lt;id&gt;</c>.</param>
/// <param name="Logprob">Natural-log probability.</param>
/// <param name="Bytes">UTF-8 bytes; null from Mesh.</param>
public sealed record TopTokenLogprob(string Token, float Logprob, IReadOnlyList<int>? Bytes);
