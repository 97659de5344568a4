using Mesh.Engine.Model;

namespace Mesh.Engine.Tokenization;

/// <summary>Builds a <see cref="MeshTokenizer"/> from a GGUF file's <c>tokenizer.*</c> metadata:
/// <c>llama</c> → SentencePiece BPE with byte fallback (Microsoft.ML.Tokenizers' LlamaTokenizer),
/// <c>gpt2</c> → byte-level BPE with the pre-tokenizer regex named by <c>tokenizer.ggml.pre</c>.</summary>
internal static class GgufTokenizerFactory
{
    public static MeshTokenizer Create(GgufTokenizerData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Tokens is not { Length: > 0 })
            throw new ModelFormatException("GGUF tokenizer: tokenizer.ggml.tokens is empty");
        int n = data.Tokens.Length;
        CheckLength("tokenizer.ggml.scores", data.Scores?.Length, n);
        CheckLength("tokenizer.ggml.token_type", data.TokenTypes?.Length, n);
        CheckId("tokenizer.ggml.bos_token_id", data.BosId, n);
        CheckId("tokenizer.ggml.eos_token_id", data.EosId, n);
        CheckId("tokenizer.ggml.unknown_token_id", data.UnknownId, n);

        return data.Model switch
        {
            "llama" => CreateSentencePiece(data),
            "gpt2" => CreateByteLevel(data),
            _ => throw new ModelFormatException(
                $"GGUF tokenizer model '{data.Model}' is not supported; supported: llama (SentencePiece BPE), gpt2 (byte-level BPE)"),
        };
    }

    private static MeshTokenizer CreateSentencePiece(GgufTokenizerData data)
    {
        string[] pieces = data.Tokens;
        TokenType[] types = data.TokenTypes is { } given ? ToTypes(given) : InferSentencePieceTypes(data);
        var vocab = new TokenVocabulary(pieces, types, TokenVocabulary.SentencePieceBytes);
        int unk = data.UnknownId ?? IndexOrNull(types, TokenType.Unknown) ?? vocab.Find("<unk>") ?? 0;
        int? bos = data.BosId ?? vocab.Find("<s>");
        int? eos = data.EosId ?? vocab.Find("</s>");
        float[] scores = data.Scores ?? new float[pieces.Length];
        int pad = data.PaddingId is int p && p >= 0 && p < pieces.Length ? p : -1;
        var encoder = new SentencePieceEncoder(vocab, scores, unk, bos ?? -1, eos ?? -1, pad);
        return new MeshTokenizer(vocab, encoder, new TokenizerSettings
        {
            Kind = "llama (SentencePiece BPE, byte fallback)",
            BosId = bos,
            EosId = eos,
            AddBos = data.AddBos ?? true,
            StripLeadingSpace = true,
            ChatTemplate = data.ChatTemplate,
        });
    }

    private static MeshTokenizer CreateByteLevel(GgufTokenizerData data)
    {
        TokenType[]? types = data.TokenTypes is { } given ? ToTypes(given) : null;
        var vocab = new TokenVocabulary(data.Tokens, types, TokenVocabulary.ByteLevelBytes);
        var merges = new List<(string, string)>(data.Merges?.Length ?? 0);
        foreach (string line in data.Merges ?? [])
        {
            if (!RankedBpe.TrySplitMerge(line, vocab.Ids, out var pair))
                throw new ModelFormatException($"GGUF tokenizer: merge '{line}' is not two pieces separated by a space");
            merges.Add(pair);
        }
        var encoder = new ByteLevelBpeEncoder(vocab, RankedBpe.Create(merges, vocab.Ids),
            [PreTokenizerPatterns.ForGgufPre(data.Pre)],
            ignoreMerges: PreTokenizerPatterns.IsLlama3Family(data.Pre), addPrefixSpace: false);
        return new MeshTokenizer(vocab, encoder, new TokenizerSettings
        {
            Kind = $"gpt2 (byte-level BPE, pre {data.Pre ?? "default"})",
            BosId = data.BosId,
            EosId = data.EosId,
            AddBos = data.AddBos ?? PreTokenizerPatterns.IsLlama3Family(data.Pre),
            StripLeadingSpace = false,
            ChatTemplate = data.ChatTemplate,
        });
    }

    private static TokenType[] ToTypes(int[] given) =>
        given.Select(t => t is >= (int)TokenType.Normal and <= (int)TokenType.Byte ? (TokenType)t : TokenType.Normal).ToArray();

    /// <summary>Without <c>token_type</c>: byte pieces by their spelling, unknown/BOS/EOS by id.</summary>
    private static TokenType[] InferSentencePieceTypes(GgufTokenizerData data)
    {
        var types = new TokenType[data.Tokens.Length];
        for (int id = 0; id < types.Length; id++)
            types[id] = TokenVocabulary.TryParseByte(data.Tokens[id], out _) ? TokenType.Byte : TokenType.Normal;
        if (data.UnknownId is int unk) types[unk] = TokenType.Unknown;
        if (data.BosId is int bos) types[bos] = TokenType.Control;
        if (data.EosId is int eos) types[eos] = TokenType.Control;
        return types;
    }

    private static int? IndexOrNull(TokenType[] types, TokenType type)
    {
        int index = Array.IndexOf(types, type);
        return index >= 0 ? index : null;
    }

    private static void CheckLength(string key, int? length, int tokens)
    {
        if (length is int l && l != tokens)
            throw new ModelFormatException($"GGUF tokenizer: {key} has {l} entries for {tokens} tokens");
    }

    private static void CheckId(string key, int? id, int tokens)
    {
        if (id is int i && (i < 0 || i >= tokens))
            throw new ModelFormatException($"GGUF tokenizer: {key} = {i} is outside the vocabulary of {tokens} tokens");
    }
}
