using Mesh.Engine.Tokenization;

namespace Mesh.Engine.Tests.Tokenization;

/// <summary>The SentencePiece (GGUF <c>llama</c>) path on the real stories260K vocabulary, checked
/// id for id against llama.cpp.</summary>
public sealed class Stories260KTokenizerTests(Stories260KFixture fixture) : IClassFixture<Stories260KFixture>
{
    private static readonly string[] AllTexts =
    [
        "Once upon a time, there was a little girl named Lily.",
        "Hello world",
        " leading space",
        "trailing space ",
        "  two  spaces  ",
        "line one\nline two\n\nend\n",
        "café 😀",
        "naïve résumé — “quotes” 日本語",
        "12345 678 3.14159",
        "tabs\tand\r\nreturns",
        "<s>special</s> text after",
        "x",
        " ",
        "",
    ];

    public static TheoryData<string> Texts => [.. AllTexts];

    /// <summary>Texts without special-token text, which decodes to nothing.</summary>
    public static TheoryData<string> PlainTexts => [.. AllTexts.Where(t => !t.Contains("<s>"))];

    [SkippableTheory]
    [MemberData(nameof(Texts))]
    public void Encode_matches_llama_cpp(string text)
    {
        Skip.If(fixture.LlamaCppSkipReason is not null, fixture.LlamaCppSkipReason);
        Assert.Equal(fixture.LlamaCpp.Tokenize(text, addBos: true), fixture.Tokenizer.Encode(text, addBos: true));
        Assert.Equal(fixture.LlamaCpp.Tokenize(text, addBos: false), fixture.Tokenizer.Encode(text, addBos: false));
    }

    [SkippableTheory]
    [MemberData(nameof(Texts))]
    public void Decode_matches_llama_cpp_detokenize(string text)
    {
        Skip.If(fixture.LlamaCppSkipReason is not null, fixture.LlamaCppSkipReason);
        int[] ids = fixture.Tokenizer.Encode(text, addBos: true);
        // Control tokens decode to nothing in both; llama_detokenize removes the dummy-prefix space
        // from the first piece when text starts the ids, Mesh from the first piece with text.
        int[] textIds = ids.Where(id => !fixture.Tokenizer.IsControl(id)).ToArray();
        Assert.Equal(fixture.LlamaCpp.Detokenize(textIds, lstripFirst: true), fixture.Tokenizer.Decode(ids));
        Assert.Equal(fixture.LlamaCpp.Detokenize(textIds, lstripFirst: false), fixture.Tokenizer.Decode(ids, atTextStart: false));
    }

    [SkippableTheory]
    [MemberData(nameof(PlainTexts))]
    public void Decode_of_encode_round_trips_text_without_special_tokens(string text)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var tokenizer = fixture.Tokenizer;
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addBos: true)));
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addBos: false)));
    }

    [SkippableFact]
    public void Known_ids_for_the_story_opening()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        // [BOS, ▁Once, ▁upon, ▁a, ▁time]: the prompt of the upstream golden story (BOS, 403).
        Assert.Equal([1, 403, 407, 261, 378], fixture.Tokenizer.Encode("Once upon a time", addBos: true));
    }

    [SkippableFact]
    public void Properties_describe_the_vocabulary()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var tokenizer = fixture.Tokenizer;
        Assert.Equal(512, tokenizer.VocabSize);
        Assert.Equal(1, tokenizer.BosId);
        Assert.Equal(2, tokenizer.EosId);
        Assert.True(tokenizer.AddBos);
        Assert.Equal(new HashSet<int> { 2 }, tokenizer.StopIds);
        Assert.Equal("llama (SentencePiece BPE, byte fallback), 512 tokens, bos 1, eos 2", tokenizer.Describe());
        Assert.True(tokenizer.IsControl(1));
        Assert.False(tokenizer.IsControl(403));
        Assert.Equal("▁Once", tokenizer.IdToToken(403));
        Assert.Equal(403, tokenizer.TokenToId("▁Once"));
        Assert.Null(ChatFormat.Detect(null, "llama", tokenizer));
    }

    [SkippableFact]
    public void Byte_fallback_pieces_reassemble_into_utf8()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var tokenizer = fixture.Tokenizer;
        int[] ids = tokenizer.Encode("😀", addBos: false);
        // ▁ then the four bytes F0 9F 98 80 as <0xNN> pieces (ids 3 + byte).
        Assert.Equal([410, 3 + 0xF0, 3 + 0x9F, 3 + 0x98, 3 + 0x80], ids);
        Assert.Equal("😀", tokenizer.Decode(ids));
    }

    [SkippableFact]
    public void Streaming_decoder_equals_full_decode_for_every_prefix()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var tokenizer = fixture.Tokenizer;
        int[] ids = tokenizer.Encode("Lily said: café 😀 日本 ok!\n", addBos: true);
        var decoder = tokenizer.CreateStreamingDecoder();
        var streamed = new List<string>();
        foreach (int id in ids) streamed.Add(decoder.Append(id));
        streamed.Add(decoder.Flush());

        Assert.Equal(tokenizer.Decode(ids), string.Concat(streamed));
        // No chunk ends inside a character: every chunk is valid text on its own.
        Assert.DoesNotContain(streamed, s => s.Contains('\uFFFD'));
        Assert.Equal("", streamed[0]);   // BOS
    }

    [SkippableFact]
    public void Streaming_decoder_holds_back_incomplete_bytes_and_flushes_broken_ones()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var tokenizer = fixture.Tokenizer;
        var decoder = tokenizer.CreateStreamingDecoder(atTextStart: false);
        Assert.Equal("", decoder.Append(3 + 0xF0));
        Assert.Equal("", decoder.Append(3 + 0x9F));
        Assert.Equal("", decoder.Append(3 + 0x98));
        Assert.Equal("😀", decoder.Append(3 + 0x80));
        Assert.Equal("", decoder.Append(3 + 0xE6));
        Assert.Equal("\uFFFD", decoder.Flush());
        Assert.Equal("😀\uFFFD", tokenizer.Decode([3 + 0xF0, 3 + 0x9F, 3 + 0x98, 3 + 0x80, 3 + 0xE6], atTextStart: false));
    }

    [SkippableFact]
    public void Streaming_matches_decode_for_random_id_sequences()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var tokenizer = fixture.Tokenizer;
        var random = new Random(1234);
        for (int trial = 0; trial < 200; trial++)
        {
            // Mostly byte pieces (3..258) to produce split and invalid UTF-8, some text pieces.
            int[] ids = Enumerable.Range(0, random.Next(1, 24))
                .Select(_ => random.Next(4) == 0 ? random.Next(0, 512) : random.Next(3, 259))
                .ToArray();
            bool atStart = random.Next(2) == 0;
            var decoder = tokenizer.CreateStreamingDecoder(atStart);
            string streamed = string.Concat(ids.Select(decoder.Append)) + decoder.Flush();
            Assert.Equal(tokenizer.Decode(ids, atStart), streamed);
        }
    }

    [SkippableFact]
    public void Out_of_range_id_is_refused_with_the_range()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Tokenizer.Decode([512]));
        Assert.Contains("0..511", e.Message);
    }
}
