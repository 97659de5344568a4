using System.Text.Json.Serialization;

namespace Mesh.Gateway.OpenAi;

/// <summary><c>chat.completion</c>: the answer of a non-streaming chat request.</summary>
internal sealed record ChatCompletion(string Id, string Object, long Created, string Model, ChatChoice[] Choices, UsageBody Usage)
{
    public const string ObjectName = "chat.completion";
}

/// <summary>One finished choice.</summary>
internal sealed record ChatChoice(int Index, ChatResponseMessage Message, ChatLogprobs? Logprobs, string? FinishReason);

/// <summary>The assistant turn of a choice.</summary>
internal sealed record ChatResponseMessage(string Role, string Content);

/// <summary><c>chat.completion.chunk</c>: one SSE event of a streaming chat request.</summary>
/// <param name="Usage">Only on the last chunk, and only with <c>stream_options.include_usage</c> (then <see cref="Choices"/> is empty).</param>
internal sealed record ChatCompletionChunk(
    string Id,
    string Object,
    long Created,
    string Model,
    ChatChunkChoice[] Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UsageBody? Usage = null)
{
    public const string ObjectName = "chat.completion.chunk";
}

/// <summary>A choice's part of a chunk.</summary>
internal sealed record ChatChunkChoice(int Index, ChatDelta Delta, ChatLogprobs? Logprobs, string? FinishReason);

/// <summary>What a chunk adds to the assistant turn: the role on a choice's first chunk, then content; empty on the final chunk.</summary>
internal sealed record ChatDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content)
{
    /// <summary>The final chunk's delta, <c>{}</c>.</summary>
    public static readonly ChatDelta Empty = new(null, null);
}

/// <summary>Chat <c>logprobs</c>: one entry per generated token.</summary>
internal sealed record ChatLogprobs(ChatTokenLogprob[] Content);

/// <summary>
/// A sampled token. <see cref="Token"/> is <c>token_id:&lt;id&gt;</c> (vLLM's convention when token strings are not
/// returned): the gateway has no tokenizer and the reply carries ids only; <see cref="Bytes"/> is therefore null.
/// </summary>
internal sealed record ChatTokenLogprob(string Token, float Logprob, int[]? Bytes, ChatTopLogprob[] TopLogprobs);

/// <summary>An alternative at a position.</summary>
internal sealed record ChatTopLogprob(string Token, float Logprob, int[]? Bytes);
