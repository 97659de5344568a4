using Mesh.Engine.Model;

namespace Mesh.Engine.Tokenization;

/// <summary>Builds a <see cref="MeshTokenizer"/> from a Hugging Face folder: tokenizer.json (required),
/// tokenizer_config.json and generation_config.json (optional).</summary>
internal static class HuggingFaceTokenizerFactory
{
    public static MeshTokenizer Create(string folder)
    {
        string path = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(path))
            throw new ModelFormatException($"{path}: not found; Mesh reads Hugging Face tokenizers from tokenizer.json");
        var json = HuggingFaceTokenizerJson.Read(path);
        var config = HuggingFaceTokenizerConfig.Read(folder);

        var (pieces, types) = Pieces(json);
        var vocab = new TokenVocabulary(pieces, types, json.ByteLevel ? TokenVocabulary.ByteLevelBytes : TokenVocabulary.SentencePieceBytes);
        var bpe = RankedBpe.Create(json.MergePairs(vocab.Ids), vocab.Ids);
        int unknownId = json.UnknownToken is { } unk ? vocab.Find(unk) ?? -1 : -1;
        IFragmentEncoder encoder = json.ByteLevel
            ? new ByteLevelBpeEncoder(vocab, bpe, json.SplitPatterns.Select(PreTokenizerPatterns.FromPattern).ToArray(),
                json.IgnoreMerges, json.ByteLevelAddPrefixSpace)
            : new CharBpeEncoder(vocab, bpe, json.ByteFallback, unknownId, json.SpacePrefix, json.ReplaceSpaces, json.SplitOnSpace);

        string configPath = Path.Combine(folder, "tokenizer_config.json");
        int? bos = Lookup(vocab, configPath, "bos_token", config.BosToken) ?? Lookup(vocab, path, "post_processor", json.TemplateFirstToken);
        int? eos = Lookup(vocab, configPath, "eos_token", config.EosToken)
            ?? config.GenerationEosIds.Cast<int?>().FirstOrDefault()
            ?? vocab.Find("</s>") ?? vocab.Find("<|endoftext|>");
        string kind = json.ByteLevel
            ? "tokenizer.json (byte-level BPE)"
            : $"tokenizer.json (BPE{(json.ByteFallback ? ", byte fallback" : "")})";
        return new MeshTokenizer(vocab, encoder, new TokenizerSettings
        {
            Kind = kind,
            BosId = bos,
            EosId = eos,
            AddBos = config.AddBos ?? (json.TemplateFirstToken is not null || (!json.ByteLevel && bos is not null)),
            StripLeadingSpace = !json.ByteLevel && json.SpacePrefix != SpacePrefix.Never,
            ExtraStopIds = config.GenerationEosIds,
            ChatTemplate = config.ChatTemplate,
        });
    }

    /// <summary>Pieces by id from the vocab and added tokens; ids that neither names are unused.</summary>
    private static (string[] Pieces, TokenType[] Types) Pieces(HuggingFaceTokenizerJson json)
    {
        int size = 0;
        foreach (int id in json.Vocab.Values) size = Math.Max(size, id + 1);
        foreach (var added in json.AddedTokens) size = Math.Max(size, added.Id + 1);
        if (size == 0) throw new ModelFormatException($"{json.Path}: the vocabulary is empty");

        var pieces = new string[size];
        var types = new TokenType[size];
        Array.Fill(pieces, "");
        Array.Fill(types, TokenType.Unused);
        foreach (var (piece, id) in json.Vocab)
        {
            if (id < 0) throw new ModelFormatException($"{json.Path}: piece '{piece}' has negative id {id}");
            pieces[id] = piece;
            types[id] = piece == json.UnknownToken ? TokenType.Unknown
                : !json.ByteLevel && json.ByteFallback && TokenVocabulary.TryParseByte(piece, out _) ? TokenType.Byte
                : TokenType.Normal;
        }
        foreach (var (id, content, special) in json.AddedTokens)
        {
            pieces[id] = content;
            if (types[id] != TokenType.Unknown) types[id] = special ? TokenType.Control : TokenType.UserDefined;
        }
        return (pieces, types);
    }

    /// <param name="path">The file that names the piece, for the error.</param>
    private static int? Lookup(TokenVocabulary vocab, string path, string what, string? piece)
    {
        if (piece is null) return null;
        return vocab.Find(piece) ?? throw new ModelFormatException($"{path}: {what} '{piece}' is not in the vocabulary");
    }
}
