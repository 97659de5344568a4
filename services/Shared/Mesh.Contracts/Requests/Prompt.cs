using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>
/// The input of a request, exactly one of three forms (closed set, JSON discriminator <c>"kind"</c>):
/// raw text, chat messages (the scheduler applies the chat template), or already-tokenized ids.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(TextPrompt), "text")]
[JsonDerivedType(typeof(ChatPrompt), "chat")]
[JsonDerivedType(typeof(TokenPrompt), "tokens")]
public abstract record Prompt;

/// <summary>Completion-style prompt text.</summary>
public sealed record TextPrompt(string Text) : Prompt;

/// <summary>Chat messages, oldest first.</summary>
public sealed record ChatPrompt(ChatMessage[] Messages) : Prompt;

/// <summary>Prompt token ids, already produced by the model's tokenizer.</summary>
public sealed record TokenPrompt(int[] TokenIds) : Prompt;

/// <summary>One chat turn.</summary>
/// <param name="Role"><c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Content">The turn's text.</param>
/// <param name="Media">Images attached to the turn, in order; null when none.</param>
public sealed record ChatMessage(string Role, string Content, MediaRef[]? Media = null);

/// <summary>
/// A media item held outside pub/sub (bytes never travel on the bus).
/// </summary>
/// <param name="ContentHash">Hash of the bytes; the encode cache key.</param>
/// <param name="MediaType">MIME type, e.g. <c>image/png</c>.</param>
/// <param name="Uri">Where the bytes are: a blob URL or a kvcache media key.</param>
public sealed record MediaRef(string ContentHash, string MediaType, string Uri);
