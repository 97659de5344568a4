using System.Text;

namespace Mesh.Engine.Tokenization;

public sealed record ChatMessage(string Role, string Content);

/// <summary>Turns chat messages into the prompt text a model family was trained on.
/// The <c>llama3</c>, <c>llama2</c> and <c>mistral</c> formats write the BOS text themselves
/// (<see cref="WritesBos"/>): encode their output with <c>addBos: false</c>. For <c>chatml</c> and
/// <c>zephyr</c> encode with the tokenizer's <see cref="MeshTokenizer.AddBos"/>.</summary>
public sealed class ChatFormat
{
    private static readonly ChatFormat[] Known =
    [
        new("llama3", ["<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"], writesBos: true, ChatRenderers.Llama3),
        new("chatml", ["<|im_end|>", "<|endoftext|>"], writesBos: false, ChatRenderers.ChatMl),
        new("mistral", ["</s>", "[INST]"], writesBos: true, ChatRenderers.Mistral),
        new("llama2", ["</s>", "[INST]"], writesBos: true, ChatRenderers.Llama2),
        new("zephyr", ["</s>", "<|user|>"], writesBos: false, ChatRenderers.Zephyr),
    ];

    private readonly Action<StringBuilder, IReadOnlyList<ChatMessage>, bool> _render;

    private ChatFormat(string name, string[] stopStrings, bool writesBos, Action<StringBuilder, IReadOnlyList<ChatMessage>, bool> render)
    {
        Name = name;
        StopStrings = stopStrings;
        WritesBos = writesBos;
        _render = render;
    }

    /// <summary>Family name: <c>llama3</c>, <c>chatml</c>, <c>mistral</c>, <c>llama2</c>, <c>zephyr</c>.</summary>
    public string Name { get; }
    /// <summary>Text after which generation should stop (end-of-turn markers), besides stop ids.</summary>
    public IReadOnlyList<string> StopStrings { get; }
    /// <summary>Whether <see cref="Apply"/> output begins with the BOS text (<c>&lt;|begin_of_text|&gt;</c>,
    /// <c>&lt;s&gt;</c>); then encode it without adding BOS again.</summary>
    public bool WritesBos { get; }

    /// <summary>The names <see cref="ByName"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = Known.Select(f => f.Name).ToArray();

    /// <summary>The prompt text, ending with the assistant's turn header when <paramref name="addGenerationPrompt"/>.</summary>
    public string Apply(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder();
        _render(text, messages, addGenerationPrompt);
        return text.ToString();
    }

    /// <summary>Chooses the family from the model's chat template text (by its markers), then from
    /// the vocabulary (<c>&lt;|eot_id|&gt;</c> → llama3, <c>&lt;|im_start|&gt;</c> → chatml); null when
    /// none is recognised. <paramref name="architecture"/> breaks no ties today; it is part of the
    /// contract for families whose markers are shared.</summary>
    public static ChatFormat? Detect(string? chatTemplate, string architecture, MeshTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        string? byTemplate = chatTemplate switch
        {
            null => null,
            _ when chatTemplate.Contains("<|start_header_id|>", StringComparison.Ordinal) => "llama3",
            _ when chatTemplate.Contains("<|im_start|>", StringComparison.Ordinal) => "chatml",
            _ when chatTemplate.Contains("<<SYS>>", StringComparison.Ordinal) => "llama2",
            _ when chatTemplate.Contains("[INST]", StringComparison.Ordinal) => "mistral",
            _ when chatTemplate.Contains("<|user|>", StringComparison.Ordinal) && chatTemplate.Contains("<|assistant|>", StringComparison.Ordinal) => "zephyr",
            _ => null,
        };
        string? byVocabulary =
            tokenizer.TokenToId("<|eot_id|>") is not null || tokenizer.TokenToId("<|start_header_id|>") is not null ? "llama3"
            : tokenizer.TokenToId("<|im_start|>") is not null ? "chatml"
            : null;
        string? name = byTemplate ?? byVocabulary;
        return name is null ? null : ByName(name);
    }

    /// <summary>By name (case-insensitive); throws <see cref="UnknownChatFormatException"/> for a name not known.</summary>
    public static ChatFormat ByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Known.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new UnknownChatFormatException($"unknown chat format '{name}'; known: {string.Join(", ", Names)}");
    }

    public override string ToString() => Name;
}

public sealed class UnknownChatFormatException(string message) : Exception(message);
