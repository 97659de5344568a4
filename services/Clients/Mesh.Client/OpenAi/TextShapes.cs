using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Client;

/// <summary>A <c>POST /v1/completions</c> request.</summary>
public sealed record TextCompletionRequest : GenerationRequest
{
    /// <summary>The prompt: text, or token ids of the model's tokenizer (a string or an <c>int[]</c> converts).</summary>
    public required CompletionPrompt Prompt { get; init; }

    /// <summary>Return the log-probability of each token and this many alternatives, [0, 20].</summary>
    public int? Logprobs { get; init; }
}

/// <summary>
/// A completions prompt, exactly one of text or token ids; written as a JSON string or an array of integers.
/// </summary>
[JsonConverter(typeof(CompletionPromptConverter))]
public sealed record CompletionPrompt
{
    private CompletionPrompt(string? text, IReadOnlyList<int>? tokenIds) => (Text, TokenIds) = (text, tokenIds);

    /// <summary>Prompt text; null when the prompt is token ids.</summary>
    public string? Text { get; }

    /// <summary>Prompt token ids; null when the prompt is text.</summary>
    public IReadOnlyList<int>? TokenIds { get; }

    /// <summary>A text prompt.</summary>
    public static CompletionPrompt FromText(string text) => new(text ?? throw new ArgumentNullException(nameof(text)), null);

    /// <summary>A prompt already tokenized with the model's tokenizer.</summary>
    public static CompletionPrompt FromTokenIds(IReadOnlyList<int> tokenIds) => new(null, tokenIds ?? throw new ArgumentNullException(nameof(tokenIds)));

    /// <summary>A text prompt.</summary>
    public static implicit operator CompletionPrompt(string text) => FromText(text);

    /// <summary>A token-id prompt.</summary>
    public static implicit operator CompletionPrompt(int[] tokenIds) => FromTokenIds(tokenIds);
}

/// <summary>Writes a <see cref="CompletionPrompt"/> as OpenAI's <c>prompt</c>: a string or an array of ids.</summary>
internal sealed class CompletionPromptConverter : JsonConverter<CompletionPrompt>
{
    public override CompletionPrompt Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return CompletionPrompt.FromText(reader.GetString()!);
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("A prompt is a string or an array of token ids.");
        List<int> ids = [];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) ids.Add(reader.GetInt32());
        return CompletionPrompt.FromTokenIds(ids);
    }

    public override void Write(Utf8JsonWriter writer, CompletionPrompt value, JsonSerializerOptions options)
    {
        if (value.Text is not null)
        {
            writer.WriteStringValue(value.Text);
            return;
        }
        writer.WriteStartArray();
        foreach (int id in value.TokenIds!) writer.WriteNumberValue(id);
        writer.WriteEndArray();
    }
}

/// <summary>
/// <c>text_completion</c>: the answer to a non-streaming completions request, and also each event of a streaming
/// one (then a choice's <see cref="TextCompletionChoice.Text"/> is the part this event adds, and a last event with
/// no choices carries <see cref="Usage"/> when asked for).
/// </summary>
/// <param name="Id"><c>cmpl-…</c>, also the request id in the mesh.</param>
/// <param name="Object"><c>text_completion</c>.</param>
/// <param name="Created">Unix seconds.</param>
/// <param name="Model">The model that answered.</param>
/// <param name="Choices">By index.</param>
/// <param name="Usage">Token counts; on a stream, only on the usage event.</param>
public sealed record TextCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<TextCompletionChoice> Choices, TokenUsage? Usage)
{
    /// <summary>The first choice's text.</summary>
    [JsonIgnore]
    public string Text => Choices.Count > 0 ? Choices[0].Text : "";
}

/// <summary>One choice of a completion.</summary>
/// <param name="Index">Choice index.</param>
/// <param name="Text">The generated text (streaming: this event's part of it).</param>
/// <param name="Logprobs">Per-token log-probabilities when asked for.</param>
/// <param name="FinishReason"><c>stop</c>, <c>length</c> or <c>abort</c>; null until the choice's last event.</param>
public sealed record TextCompletionChoice(int Index, string Text, TextLogprobs? Logprobs, string? FinishReason);

/// <summary>Completions <c>logprobs</c>: parallel arrays, one entry per token.</summary>
/// <param name="Tokens"><c>token_id:&lt;id&gt;</c> per token.</param>
/// <param name="TokenLogprobs">Log-probability per token.</param>
/// <param name="TopLogprobs">Per token, the alternatives by token; null when asked for 0.</param>
/// <param name="TextOffset">Where each token's text starts in the choice's text.</param>
public sealed record TextLogprobs(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<float> TokenLogprobs,
    IReadOnlyList<Dictionary<string, float>>? TopLogprobs,
    IReadOnlyList<int> TextOffset);
