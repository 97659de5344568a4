using System.Text;
using Mesh.Contracts;
using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Tests.Support;
using Mesh.Engine.Tokenization;
using Mesh.Workers.Engine;

namespace Mesh.Dapr.Tests;

/// <summary>The text and bytes workers put on sampled tokens (<see cref="SamplingMapper"/>), against the tokenizer.</summary>
public sealed class TokenTextTests(TinyModelFile model) : IClassFixture<TinyModelFile>
{
    private MeshTokenizer Tokenizer => model.Tokenizer;

    [Fact]
    public void A_sampled_token_and_its_alternatives_carry_their_decoded_pieces()
    {
        int[] ids = Tokenizer.Encode("Hello world", addBos: false);
        Assert.True(ids.Length >= 2, "the sentence must span several tokens");

        SampledToken token = SamplingMapper.ToWire(ids[1], -0.5f, [new TokenLogprob(ids[1], -0.5f), new TokenLogprob(ids[0], -1.25f)], Tokenizer);

        string piece = Tokenizer.Decode([ids[1]], atTextStart: false);
        Assert.Equal((ids[1], -0.5f, piece), (token.TokenId, token.Logprob, token.Text));
        Assert.Equal(Encoding.UTF8.GetBytes(piece), token.Bytes);
        Assert.Equal([piece, Tokenizer.Decode([ids[0]], atTextStart: false)], token.TopLogprobs!.Select(t => t.Text));
        Assert.Equal([-0.5f, -1.25f], token.TopLogprobs!.Select(t => t.Logprob));
        Assert.Null(SamplingMapper.ToWire(ids[1], -0.5f, null, Tokenizer).TopLogprobs);
    }

    [Fact]
    public void The_texts_of_a_sentence_s_tokens_spell_the_sentence_with_its_spaces()
    {
        const string sentence = "The quick brown fox, 42 times!";
        int[] ids = Tokenizer.Encode(sentence, addBos: false);

        string[] texts = [.. ids.Select(id => SamplingMapper.TokenText(Tokenizer, id).Text)];
        byte[] bytes = [.. ids.SelectMany(id => SamplingMapper.TokenText(Tokenizer, id).Bytes!)];

        Assert.Equal(Tokenizer.Decode(ids, atTextStart: false), string.Concat(texts));
        Assert.StartsWith(" ", texts[0]); // mid-text, the SentencePiece word marker is a space, as OpenAI shows it
        Assert.Equal(Encoding.UTF8.GetBytes(string.Concat(texts)), bytes);
    }

    [Fact]
    public void Control_tokens_read_as_their_spelling_and_part_characters_have_no_bytes()
    {
        int eos = Tokenizer.EosId!.Value;
        int byteE2 = Tokenizer.TokenToId("<0xE2>")!.Value;   // first byte of a three-byte character
        int byteA = Tokenizer.TokenToId("<0x41>")!.Value;    // "A" on its own

        (string eosText, byte[]? eosBytes) = SamplingMapper.TokenText(Tokenizer, eos);
        (string partText, byte[]? partBytes) = SamplingMapper.TokenText(Tokenizer, byteE2);
        (string aText, byte[]? aBytes) = SamplingMapper.TokenText(Tokenizer, byteA);

        Assert.Equal("</s>", eosText);
        Assert.Equal("</s>"u8.ToArray(), eosBytes);
        Assert.Equal("\uFFFD", partText);
        Assert.Null(partBytes);
        Assert.Equal("A", aText);
        Assert.Equal("A"u8.ToArray(), aBytes);
    }

    [SkippableFact]
    public void On_a_real_vocabulary_the_texts_spell_the_sentence()
    {
        string? path = SharedData.Stories260K;
        Skip.If(path is null, SharedData.MissingStories);
        using LoadedModel stories = ModelLoader.Load(path);
        const string sentence = "Once upon a time, there was a little girl named Lily.";
        int[] ids = stories.Tokenizer.Encode(sentence, addBos: false);

        string spelled = string.Concat(ids.Select(id => SamplingMapper.TokenText(stories.Tokenizer, id).Text));

        Assert.Equal(stories.Tokenizer.Decode(ids, atTextStart: false), spelled);
        Assert.Equal(sentence, spelled.TrimStart());
    }
}
