using Mesh.Bench.Trace;

namespace Mesh.Bench.Tests;

/// <summary>Prompts are token-exact, made of ordinary ids, reproducible, and share exactly what the trace's prefix
/// blocks share.</summary>
public sealed class PromptBuilderTests
{
    private static readonly PromptVocabulary Vocabulary = new(BosId: 1, PlainIds: [.. Enumerable.Range(3, 500)]);

    private static ShapedRequest Request(int index, int prompt, int blockTokens = 4, int[]? hashes = null) =>
        new(index, TimeSpan.Zero, prompt, 1, blockTokens, new TraceRequest(TimeSpan.Zero, prompt, 1, hashes));

    [Fact]
    public void A_prompt_is_BOS_then_ordinary_ids_exactly_as_long_as_asked()
    {
        int[] prompt = new PromptBuilder(Vocabulary, seed: 1).Build(Request(0, 37));

        Assert.Equal(37, prompt.Length);
        Assert.Equal(1, prompt[0]);
        Assert.All(prompt[1..], id => Assert.InRange(id, 3, 502));
    }

    [Fact]
    public void Without_BOS_the_first_token_is_ordinary()
    {
        int[] prompt = new PromptBuilder(Vocabulary with { BosId = null }, seed: 1).Build(Request(0, 5));

        Assert.Equal(5, prompt.Length);
        Assert.All(prompt, id => Assert.InRange(id, 3, 502));
    }

    [Fact]
    public void The_same_seed_builds_the_same_prompts_and_requests_without_hashes_share_only_BOS()
    {
        var a = new PromptBuilder(Vocabulary, seed: 7);
        var b = new PromptBuilder(Vocabulary, seed: 7);

        Assert.Equal(a.Build(Request(3, 40)), b.Build(Request(3, 40)));
        Assert.NotEqual(a.Build(Request(3, 40))[1..9], a.Build(Request(4, 40))[1..9]);
        Assert.NotEqual(a.Build(Request(3, 40)), new PromptBuilder(Vocabulary, seed: 8).Build(Request(3, 40)));
    }

    [Fact]
    public void Equal_leading_hash_ids_give_equal_leading_blocks_and_the_first_different_id_diverges()
    {
        var builder = new PromptBuilder(Vocabulary, seed: 1);
        int[] first = builder.Build(Request(0, 13, blockTokens: 4, hashes: [10, 11, 12, 13]));
        int[] second = builder.Build(Request(1, 13, blockTokens: 4, hashes: [10, 11, 99, 13]));

        Assert.Equal(first[..9], second[..9]);                    // BOS + blocks 10 and 11
        Assert.NotEqual(first[9..13], second[9..13]);             // block 12 vs 99
    }

    [Fact]
    public void A_block_is_the_same_tokens_wherever_its_hash_id_appears()
    {
        var builder = new PromptBuilder(Vocabulary, seed: 1);
        int[] a = builder.Build(Request(0, 9, blockTokens: 4, hashes: [5, 6]));
        int[] b = builder.Build(Request(1, 9, blockTokens: 4, hashes: [6, 5]));

        Assert.Equal(a[1..5], b[5..9]);
        Assert.Equal(a[5..9], b[1..5]);
    }

    [Fact]
    public void Ids_past_the_last_block_come_from_the_request_and_a_short_prompt_cuts_a_block()
    {
        var builder = new PromptBuilder(Vocabulary, seed: 1);
        int[] longer = builder.Build(Request(0, 12, blockTokens: 4, hashes: [5]));
        int[] shorter = builder.Build(Request(1, 3, blockTokens: 4, hashes: [5]));

        Assert.Equal(12, longer.Length);
        Assert.Equal(longer[..3], shorter);
        Assert.All(longer[5..], id => Assert.InRange(id, 3, 502));
    }

    [Fact]
    public void A_vocabulary_without_ordinary_ids_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new PromptVocabulary(1, []).Validate());
    }
}
