using Mesh.Engine.Tokenization;

namespace Mesh.Engine.Tests.Tokenization;

/// <summary>The byte-level BPE (GGUF <c>gpt2</c>) path on a vocabulary trained here, checked against
/// llama.cpp for the Llama 3, Qwen2 and GPT-2 pre-tokenizers.</summary>
public sealed class ByteLevelBpeTests
{
    public static TheoryData<string, string> Cases()
    {
        string[] texts =
        [
            "Once upon a time, there was a little girl named Lily.",
            "Hello world",
            " leading and trailing ",
            "  multiple   spaces\n\n\tand tabs\r\n",
            "café 😀 日本語 naïve",
            "numbers 1234567 and 3.14159, year 2024",
            "it's they're I'M we'd YOU'LL",
            "def main():\n    return 42  # done",
            "<|begin_of_text|>hi<|eot_id|> after",
            "<|im_start|>user\nhello<|im_end|>\n",
            "",
        ];
        var data = new TheoryData<string, string>();
        foreach (string pre in new[] { "llama-bpe", "qwen2", "gpt-2" })
            foreach (string text in texts)
                data.Add(pre, text);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Encode_matches_llama_cpp(string pre, string text)
    {
        var data = ByteLevelTestVocabulary.Build(pre);
        var tokenizer = MeshTokenizer.FromGguf(data);
        string path = Path.Combine(Path.GetTempPath(), $"mesh-tokens-{pre}-{Environment.ProcessId}.gguf");
        VocabOnlyGguf.Write(path, data);
        try
        {
            using var llamaCpp = LlamaCppVocab.TryLoad(path, out string? error);
            Skip.If(llamaCpp is null, error);
            Assert.Equal(llamaCpp.Tokenize(text, addBos: true), tokenizer.Encode(text, tokenizer.AddBos));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_of_encode_round_trips(string pre, string text)
    {
        var tokenizer = MeshTokenizer.FromGguf(ByteLevelTestVocabulary.Build(pre));
        string plain = text.Replace("<|begin_of_text|>", "").Replace("<|eot_id|>", "").Replace("<|im_start|>", "").Replace("<|im_end|>", "");
        Assert.Equal(plain, tokenizer.Decode(tokenizer.Encode(text, addBos: true)));
    }

    [Fact]
    public void Special_tokens_encode_to_their_single_ids_and_decode_to_nothing()
    {
        var data = ByteLevelTestVocabulary.Build("llama-bpe");
        var tokenizer = MeshTokenizer.FromGguf(data);
        int bot = tokenizer.TokenToId("<|begin_of_text|>")!.Value, eot = tokenizer.TokenToId("<|eot_id|>")!.Value;
        int[] ids = tokenizer.Encode("<|begin_of_text|>Hello<|eot_id|>", addBos: false);
        Assert.Equal(bot, ids[0]);
        Assert.Equal(eot, ids[^1]);
        Assert.Equal(tokenizer.Encode("Hello", addBos: false), ids[1..^1]);
        Assert.Equal("Hello", tokenizer.Decode(ids));
        Assert.True(tokenizer.IsControl(eot));
    }

    [Fact]
    public void Properties_follow_the_pre_tokenizer_defaults()
    {
        var llama3 = MeshTokenizer.FromGguf(ByteLevelTestVocabulary.Build("llama-bpe"));
        var qwen2 = MeshTokenizer.FromGguf(ByteLevelTestVocabulary.Build("qwen2"));
        int bos = llama3.BosId!.Value;
        Assert.True(llama3.AddBos);
        Assert.False(qwen2.AddBos);
        Assert.Equal(bos, llama3.Encode("x", addBos: true)[0]);
        Assert.Equal(
            new HashSet<int> { bos + 1, llama3.TokenToId("<|eot_id|>")!.Value, llama3.TokenToId("<|im_end|>")!.Value },
            llama3.StopIds);
        Assert.Equal($"gpt2 (byte-level BPE, pre llama-bpe), {llama3.VocabSize} tokens, bos {bos}, eos {bos + 1}", llama3.Describe());
    }

    [Fact]
    public void Streaming_decoder_equals_full_decode_when_characters_span_pieces()
    {
        var tokenizer = MeshTokenizer.FromGguf(ByteLevelTestVocabulary.Build("llama-bpe"));
        int[] ids = tokenizer.Encode("<|begin_of_text|>a 😀 and 日本 → ✓ ok<|eot_id|>", addBos: false);
        var decoder = tokenizer.CreateStreamingDecoder();
        var chunks = ids.Select(decoder.Append).Append(decoder.Flush()).ToList();
        Assert.Equal("a 😀 and 日本 → ✓ ok", string.Concat(chunks));
        Assert.Equal(tokenizer.Decode(ids), string.Concat(chunks));
        Assert.DoesNotContain(chunks, c => c.Contains('\uFFFD'));
        // The emoji is four byte pieces in this vocabulary: three appends give nothing.
        Assert.Contains(chunks, c => c == "");
    }

    [Fact]
    public void Unsupported_gguf_tokenizer_model_is_named()
    {
        var data = ByteLevelTestVocabulary.Build("llama-bpe") with { Model = "bert" };
        var e = Assert.Throws<Mesh.Engine.Model.ModelFormatException>(() => MeshTokenizer.FromGguf(data));
        Assert.Contains("'bert'", e.Message);
    }
}
