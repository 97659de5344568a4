using System.Buffers;
using System.Text;

namespace Mesh.Engine.Tokenization;

/// <summary>The tokenizer of a loaded model: text ⇄ token ids, special ids, streaming decode.
/// Built from GGUF metadata (<see cref="FromGguf"/>) or a Hugging Face folder
/// (<see cref="FromHuggingFace"/>). Thread-safe: encoders keep per-call or per-thread state only.</summary>
public sealed class MeshTokenizer
{
    /// <summary>Pieces that end a turn or a text in common vocabularies; those present (as special
    /// tokens) join EOS in <see cref="StopIds"/>.</summary>
    private static readonly string[] EndOfTurnPieces =
        ["<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end_of_text|>", "<|endoftext|>", "</s>", "<end_of_turn>"];

    private readonly TokenVocabulary _vocab;
    private readonly IFragmentEncoder _encoder;
    private readonly TokenizerSettings _settings;
    private readonly HashSet<int> _stopIds;

    internal MeshTokenizer(TokenVocabulary vocab, IFragmentEncoder encoder, TokenizerSettings settings)
    {
        _vocab = vocab;
        _encoder = encoder;
        _settings = settings;
        _stopIds = [.. settings.ExtraStopIds.Where(id => id >= 0 && id < vocab.Count)];
        if (settings.EosId is int eos) _stopIds.Add(eos);
        foreach (string piece in EndOfTurnPieces)
        {
            if (vocab.Find(piece) is int id && vocab.IsSpecialPiece(id)) _stopIds.Add(id);
        }
    }

    public int VocabSize => _vocab.Count;
    public int? BosId => _settings.BosId;
    public int? EosId => _settings.EosId;
    /// <summary>Ids that end generation (EOS, end-of-turn, ...).</summary>
    public IReadOnlySet<int> StopIds => _stopIds;
    /// <summary>Whether <see cref="Encode"/> prepends BOS by default for this vocabulary.</summary>
    public bool AddBos => _settings.AddBos && _settings.BosId is not null;
    /// <summary>The chat template text the source carried (GGUF <c>tokenizer.chat_template</c>, Hugging
    /// Face tokenizer_config.json <c>chat_template</c>), for <see cref="ChatFormat.Detect"/>; null if none.</summary>
    public string? ChatTemplate => _settings.ChatTemplate;

    /// <summary>A short description for <c>mesh model inspect</c> (kind, vocabulary size, special ids).</summary>
    public string Describe() =>
        $"{_settings.Kind}, {VocabSize} tokens, bos {BosId?.ToString() ?? "none"}, eos {EosId?.ToString() ?? "none"}";

    /// <summary>The id of a piece as the vocabulary spells it (e.g. <c>&lt;|im_start|&gt;</c>,
    /// <c>▁the</c>, <c>Ġthe</c>); null when absent.</summary>
    public int? TokenToId(string piece) => _vocab.Find(piece);

    /// <summary>The vocabulary's spelling of a piece (not its decoded text).</summary>
    public string IdToToken(int id) => _vocab.Pieces[CheckId(id)];

    /// <summary>Whether an id is a control or unknown token, which decodes to no text.</summary>
    public bool IsControl(int id) => _vocab.Types[CheckId(id)] is TokenType.Control or TokenType.Unknown or TokenType.Unused;

    /// <summary>Text to ids; special-token text (e.g. <c>&lt;|im_start|&gt;</c>) maps to its id.
    /// Adds BOS first when <paramref name="addBos"/> is true and the vocabulary has one.</summary>
    public int[] Encode(string text, bool addBos)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        if (addBos && BosId is int bos) ids.Add(bos);
        var fragments = new List<TextFragment>();
        _vocab.Splitter.Split(text, fragments);
        foreach (var fragment in fragments)
        {
            if (fragment.IsRaw) _encoder.Encode(text.AsSpan(fragment.Start, fragment.Length), fragment.Start == 0, ids);
            else ids.Add(fragment.Id);
        }
        return ids.ToArray();
    }

    /// <summary>Ids to text, as text that starts a sequence: control tokens give nothing, and for
    /// SentencePiece vocabularies the space the encoder put before the first word is removed, so
    /// <c>Decode(Encode(t, true)) == t</c> for text without special tokens.</summary>
    public string Decode(ReadOnlySpan<int> ids) => Decode(ids, atTextStart: true);

    /// <summary>Ids to text. With <paramref name="atTextStart"/> false (ids that continue a prompt),
    /// no leading space is removed.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool atTextStart)
    {
        var bytes = new ArrayBufferWriter<byte>(256);
        bool strip = atTextStart && _settings.StripLeadingSpace;
        foreach (int id in ids) bytes.Write(PieceBytes(id, ref strip));
        return Encoding.UTF8.GetString(bytes.WrittenSpan);
    }

    /// <summary>A decoder that turns ids into text one at a time, holding back incomplete UTF-8; its
    /// total text equals <see cref="Decode(ReadOnlySpan{int})"/> of the same ids.</summary>
    public StreamingDecoder CreateStreamingDecoder() => new(this, atTextStart: true);

    /// <summary>As <see cref="CreateStreamingDecoder()"/>; with <paramref name="atTextStart"/> false
    /// for ids that continue a prompt (no leading space removed).</summary>
    public StreamingDecoder CreateStreamingDecoder(bool atTextStart) => new(this, atTextStart);

    /// <summary>The bytes an id decodes to. <paramref name="stripLeadingSpace"/> is true until the
    /// first piece with text; that piece loses its leading space when it is a normal piece.</summary>
    internal ReadOnlySpan<byte> PieceBytes(int id, ref bool stripLeadingSpace)
    {
        ReadOnlySpan<byte> piece = _vocab.DecodeBytes[CheckId(id)];
        if (piece.IsEmpty || !stripLeadingSpace) return piece;
        stripLeadingSpace = false;
        return _vocab.Types[id] == TokenType.Normal && piece[0] == (byte)' ' ? piece[1..] : piece;
    }

    internal bool StripsLeadingSpace => _settings.StripLeadingSpace;

    private int CheckId(int id)
    {
        if ((uint)id >= (uint)_vocab.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is outside the vocabulary (0..{_vocab.Count - 1})");
        return id;
    }

    public static MeshTokenizer FromGguf(GgufTokenizerData data) => GgufTokenizerFactory.Create(data);

    /// <summary>From a Hugging Face folder: <c>tokenizer.json</c> (+ <c>tokenizer_config.json</c> and
    /// <c>generation_config.json</c> when present). Throws <see cref="Model.ModelFormatException"/>
    /// naming the file for a missing or unsupported tokenizer.</summary>
    public static MeshTokenizer FromHuggingFace(string folder) => HuggingFaceTokenizerFactory.Create(folder);
}
