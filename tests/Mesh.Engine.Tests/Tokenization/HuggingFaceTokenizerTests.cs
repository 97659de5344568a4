using Mesh.Engine.Formats.Safetensors;
using Mesh.Engine.Model;
using Mesh.Engine.Tokenization;

namespace Mesh.Engine.Tests.Tokenization;

/// <summary><see cref="MeshTokenizer.FromHuggingFace"/>: tokenizer.json in the Llama 2 and Llama 3
/// layouts gives the same ids as the GGUF-built tokenizer of the same vocabulary.</summary>
public sealed class HuggingFaceTokenizerTests(Stories260KFixture stories) : IClassFixture<Stories260KFixture>
{
    private static readonly string[] Texts =
    [
        "Once upon a time, there was a little girl named Lily.",
        " leading and trailing ",
        "  two  spaces\n\nnew lines\tand tabs",
        "café 😀 日本語 naïve",
        "numbers 1234567 and 3.14159",
        "it's they're I'M",
        "<s>special</s> text after",
        "<|begin_of_text|>hi<|eot_id|> after",
        "",
    ];

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Llama2_style_tokenizer_json_matches_the_gguf_tokenizer(bool mergesAsPairs)
    {
        Skip.If(stories.SkipReason is not null, stories.SkipReason);
        using var folder = new HuggingFaceTestFolder();
        folder.WriteSentencePieceStyle(stories.Data, mergesAsPairs);
        var hf = MeshTokenizer.FromHuggingFace(folder.Path);
        var gguf = stories.Tokenizer;

        Assert.Equal(gguf.VocabSize, hf.VocabSize);
        Assert.Equal((gguf.BosId, gguf.EosId, gguf.AddBos), (hf.BosId, hf.EosId, hf.AddBos));
        Assert.Equal(gguf.StopIds, hf.StopIds);
        Assert.Equal("tokenizer.json (BPE, byte fallback), 512 tokens, bos 1, eos 2", hf.Describe());
        foreach (string text in Texts)
        {
            int[] ids = gguf.Encode(text, addBos: true);
            Assert.Equal(ids, hf.Encode(text, addBos: true));
            Assert.Equal(gguf.Decode(ids), hf.Decode(ids));
        }
    }

    [Theory]
    [InlineData("llama-bpe", PreTokenizerPatterns.Llama3Pattern)]
    [InlineData("qwen2", PreTokenizerPatterns.Qwen2Pattern)]
    public void Byte_level_tokenizer_json_matches_the_gguf_tokenizer(string pre, string pattern)
    {
        var data = ByteLevelTestVocabulary.Build(pre);
        using var folder = new HuggingFaceTestFolder();
        folder.WriteByteLevelStyle(data, pattern);
        var hf = MeshTokenizer.FromHuggingFace(folder.Path);
        var gguf = MeshTokenizer.FromGguf(data with { AddBos = true });

        Assert.Equal(gguf.VocabSize, hf.VocabSize);
        Assert.Equal((gguf.BosId, gguf.EosId, true), (hf.BosId, hf.EosId, hf.AddBos));
        Assert.Equal(gguf.StopIds, hf.StopIds);
        Assert.StartsWith("{% for message", hf.ChatTemplate);
        Assert.Equal("llama3", ChatFormat.Detect(hf.ChatTemplate, "llama", hf)?.Name);
        foreach (string text in Texts)
        {
            int[] ids = gguf.Encode(text, addBos: true);
            Assert.Equal(ids, hf.Encode(text, addBos: true));
            Assert.Equal(gguf.Decode(ids), hf.Decode(ids));
        }
    }

    [Fact]
    public void Random_model_creator_vocabulary_reads_the_same_from_gguf_data_and_tokenizer_json()
    {
        var vocab = SyntheticVocabulary.Build(SyntheticVocabulary.MinimumSize + 40);
        using var folder = new HuggingFaceTestFolder();
        HfTokenizerWriter.Write(folder.Path, vocab.Tokens, vocab.Merges, SyntheticVocabulary.UnknownId,
            SyntheticVocabulary.BosId, SyntheticVocabulary.EosId, contextLength: 64, chatTemplate: null);
        var hf = MeshTokenizer.FromHuggingFace(folder.Path);
        var gguf = MeshTokenizer.FromGguf(new GgufTokenizerData
        {
            Model = "llama",
            Tokens = vocab.Tokens,
            Scores = vocab.Scores,
            TokenTypes = vocab.TokenTypes,
            BosId = SyntheticVocabulary.BosId,
            EosId = SyntheticVocabulary.EosId,
            UnknownId = SyntheticVocabulary.UnknownId,
        });
        foreach (string text in Texts)
            Assert.Equal(gguf.Encode(text, addBos: true), hf.Encode(text, addBos: true));
    }

    [Theory]
    [InlineData("Unigram")]
    [InlineData("WordPiece")]
    public void Unsupported_model_type_names_the_file_and_the_type(string type)
    {
        using var folder = new HuggingFaceTestFolder();
        folder.WriteFile("tokenizer.json", new { model = new { type, vocab = new Dictionary<string, int> { ["a"] = 0 } } });
        var e = Assert.Throws<ModelFormatException>(() => MeshTokenizer.FromHuggingFace(folder.Path));
        Assert.Contains(Path.Combine(folder.Path, "tokenizer.json"), e.Message);
        Assert.Contains($"'{type}'", e.Message);
    }

    [Fact]
    public void Missing_tokenizer_json_is_named()
    {
        using var folder = new HuggingFaceTestFolder();
        var e = Assert.Throws<ModelFormatException>(() => MeshTokenizer.FromHuggingFace(folder.Path));
        Assert.Contains("tokenizer.json", e.Message);
    }

    [SkippableFact]
    public void Tokenizer_config_decides_bos_and_chat_template()
    {
        Skip.If(stories.SkipReason is not null, stories.SkipReason);
        using var folder = new HuggingFaceTestFolder();
        folder.WriteSentencePieceStyle(stories.Data, mergesAsPairs: true, tokenizerConfig: new
        {
            bos_token = new { content = "<s>" },
            eos_token = "</s>",
            add_bos_token = false,
            chat_template = new[] { new { name = "tool_use", template = "x" }, new { name = "default", template = "{{ '[INST] ' }}" } },
        });
        var hf = MeshTokenizer.FromHuggingFace(folder.Path);
        Assert.False(hf.AddBos);
        Assert.Equal("{{ '[INST] ' }}", hf.ChatTemplate);
        Assert.Equal("mistral", ChatFormat.Detect(hf.ChatTemplate, "llama", hf)?.Name);
    }
}
