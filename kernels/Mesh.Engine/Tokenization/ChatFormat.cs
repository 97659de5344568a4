namespace Mesh.Engine.Tokenization;

// CONTRACT STUB — the tokenization helper replaces the bodies; keep the public surface.
public sealed record ChatMessage(string Role, string Content);

/// <summary>Turns chat messages into the prompt text a model family was trained on.</summary>
public sealed class ChatFormat
{
    /// <summary>Family name: <c>llama3</c>, <c>chatml</c>, <c>mistral</c>, <c>llama2</c>, ...</summary>
    public string Name => throw new NotSupportedException();
    /// <summary>Text after which generation should stop (end-of-turn markers), besides stop ids.</summary>
    public IReadOnlyList<string> StopStrings => throw new NotSupportedException();
    /// <summary>The prompt text, ending with the assistant's turn header when <paramref name="addGenerationPrompt"/>.</summary>
    public string Apply(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true) => throw new NotSupportedException();

    /// <summary>Chooses the family from the model's chat template text, architecture and vocabulary;
    /// null when none is recognised.</summary>
    public static ChatFormat? Detect(string? chatTemplate, string architecture, MeshTokenizer tokenizer) => throw new NotSupportedException();
    /// <summary>By name; throws <see cref="UnknownChatFormatException"/> for a name not known.</summary>
    public static ChatFormat ByName(string name) => throw new NotSupportedException();
}

public sealed class UnknownChatFormatException(string message) : Exception(message);
