using System.Text;

namespace Mesh.Engine.Tokenization;

/// <summary>The prompt layouts of each chat family, written to match the reference Jinja templates'
/// output for plain text messages (no tools). Roles are written as given.</summary>
internal static class ChatRenderers
{
    /// <summary><c>&lt;|begin_of_text|&gt;</c>, then per message
    /// <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ncontent&lt;|eot_id|&gt;</c> (content trimmed, as
    /// Meta's template does).</summary>
    public static void Llama3(StringBuilder text, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        text.Append("<|begin_of_text|>");
        foreach (var m in messages)
            text.Append("<|start_header_id|>").Append(m.Role).Append("<|end_header_id|>\n\n").Append(m.Content.Trim()).Append("<|eot_id|>");
        if (addGenerationPrompt) text.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    /// <summary>Per message <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> (Qwen and others); no BOS text.</summary>
    public static void ChatMl(StringBuilder text, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        foreach (var m in messages)
            text.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n");
        if (addGenerationPrompt) text.Append("<|im_start|>assistant\n");
    }

    /// <summary><c>&lt;s&gt;[INST] user [/INST]answer&lt;/s&gt;[INST] user [/INST]</c>; a system message is put
    /// before the first user message, separated by a blank line. The prompt already ends where the
    /// assistant speaks, so <paramref name="addGenerationPrompt"/> adds nothing.</summary>
    public static void Mistral(StringBuilder text, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        text.Append("<s>");
        string? system = null;
        foreach (var m in messages)
        {
            switch (m.Role)
            {
                case "system":
                    system = system is null ? m.Content : system + "\n\n" + m.Content;
                    break;
                case "assistant":
                    text.Append(m.Content).Append("</s>");
                    break;
                default:
                    text.Append("[INST] ");
                    if (system is not null) text.Append(system).Append("\n\n");
                    system = null;
                    text.Append(m.Content).Append(" [/INST]");
                    break;
            }
        }
    }

    /// <summary>Each user turn is <c>&lt;s&gt;[INST] user [/INST]</c> and each answer <c> answer &lt;/s&gt;</c>;
    /// the system message goes inside the first turn as <c>&lt;&lt;SYS&gt;&gt;\nsystem\n&lt;&lt;/SYS&gt;&gt;\n\n</c>.
    /// Contents are trimmed, as Meta's template does.</summary>
    public static void Llama2(StringBuilder text, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        string? system = null;
        foreach (var m in messages)
        {
            switch (m.Role)
            {
                case "system":
                    system = m.Content.Trim();
                    break;
                case "assistant":
                    text.Append(' ').Append(m.Content.Trim()).Append(" </s>");
                    break;
                default:
                    text.Append("<s>[INST] ");
                    if (system is not null) text.Append("<<SYS>>\n").Append(system).Append("\n<</SYS>>\n\n");
                    system = null;
                    text.Append(m.Content.Trim()).Append(" [/INST]");
                    break;
            }
        }
    }

    /// <summary>Per message <c>&lt;|role|&gt;\ncontent&lt;/s&gt;\n</c>, then <c>&lt;|assistant|&gt;\n</c>
    /// (Zephyr, TinyLlama chat); no BOS text.</summary>
    public static void Zephyr(StringBuilder text, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        foreach (var m in messages)
            text.Append("<|").Append(m.Role).Append("|>\n").Append(m.Content).Append("</s>\n");
        if (addGenerationPrompt) text.Append("<|assistant|>\n");
    }
}
