using System.Text.Json.Serialization;

namespace Mesh.Gateway.OpenAi;

/// <summary><c>text_completion</c>: the answer of a non-streaming completions request.</summary>
internal sealed record TextCompletion(string Id, string Object, long Created, string Model, TextChoice[] Choices, UsageBody Usage)
{
    public const string ObjectName = "text_completion";
}

/// <summary>One choice: all of its text, or (streaming) this chunk's part of it.</summary>
internal sealed record TextChoice(int Index, string Text, TextLogprobs? Logprobs, string? FinishReason);

/// <summary>One SSE event of a streaming completions request (OpenAI uses <c>text_completion</c> for chunks too).</summary>
/// <param name="Usage">Only on the last chunk, and only with <c>stream_options.include_usage</c> (then <see cref="Choices"/> is empty).</param>
internal sealed record TextCompletionChunk(
    string Id,
    string Object,
    long Created,
    string Model,
    TextChoice[] Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UsageBody? Usage = null);

/// <summary>
/// Completions <c>logprobs</c>, parallel arrays with one entry per token. Tokens are <c>token_id:&lt;id&gt;</c>
/// (the gateway has no tokenizer). <see cref="TextOffset"/> is where the chunk that carried the token starts in
/// the choice's text: exact when each chunk carries one token, as streamed decodes do.
/// </summary>
/// <param name="TopLogprobs">Per token, the alternatives by token; null when <c>logprobs</c> was 0.</param>
internal sealed record TextLogprobs(string[] Tokens, float[] TokenLogprobs, Dictionary<string, float>[]? TopLogprobs, int[] TextOffset);
