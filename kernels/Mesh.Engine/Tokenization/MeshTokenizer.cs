namespace Mesh.Engine.Tokenization;

// CONTRACT STUB — the tokenization helper replaces the bodies; keep the public surface.
/// <summary>The tokenizer of a loaded model: text ⇄ token ids, special ids, streaming decode.</summary>
public sealed class MeshTokenizer
{
    public int VocabSize => throw new NotSupportedException();
    public int? BosId => throw new NotSupportedException();
    public int? EosId => throw new NotSupportedException();
    /// <summary>Ids that end generation (EOS, end-of-turn, ...).</summary>
    public IReadOnlySet<int> StopIds => throw new NotSupportedException();
    /// <summary>Whether <see cref="Encode"/> prepends BOS by default for this vocabulary.</summary>
    public bool AddBos => throw new NotSupportedException();
    /// <summary>A short description for <c>mesh model inspect</c> (kind, vocabulary size, special ids).</summary>
    public string Describe() => throw new NotSupportedException();

    /// <summary>Text to ids; special-token text (e.g. <c>&lt;|im_start|&gt;</c>) maps to its id.
    /// Adds BOS first when <paramref name="addBos"/> is true and the vocabulary has one.</summary>
    public int[] Encode(string text, bool addBos) => throw new NotSupportedException();
    public string Decode(ReadOnlySpan<int> ids) => throw new NotSupportedException();
    /// <summary>A decoder that turns ids into text one at a time, holding back incomplete UTF-8.</summary>
    public StreamingDecoder CreateStreamingDecoder() => throw new NotSupportedException();

    public static MeshTokenizer FromGguf(GgufTokenizerData data) => throw new NotSupportedException();
    /// <summary>From a Hugging Face folder: <c>tokenizer.json</c> (+ <c>tokenizer_config.json</c> when present).</summary>
    public static MeshTokenizer FromHuggingFace(string folder) => throw new NotSupportedException();
}

/// <summary>Incremental id → text for streaming. <see cref="Append"/> returns the text that became
/// complete with this id (possibly empty); <see cref="Flush"/> returns what is left.</summary>
public sealed class StreamingDecoder
{
    public string Append(int id) => throw new NotSupportedException();
    public string Flush() => throw new NotSupportedException();
}
