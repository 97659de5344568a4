using Mesh.Engine.Tokenization;

namespace Mesh.Scheduler.Admission;

/// <summary>What the scheduler knows of the served model: its name, tokenizer, chat format and context length. No weights.</summary>
/// <param name="Name">Name requests use.</param>
/// <param name="Tokenizer">Text ⇄ ids.</param>
/// <param name="Chat">How chat messages become prompt text; null when the model's chat family is not recognised.</param>
/// <param name="ContextLength">The model's trained context length.</param>
public sealed record ServedTokenizer(string Name, MeshTokenizer Tokenizer, ChatFormat? Chat, int ContextLength);
