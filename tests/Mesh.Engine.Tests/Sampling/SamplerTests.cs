using Mesh.Engine.Sampling;

namespace Mesh.Engine.Tests.Sampling;

public sealed class SamplerTests
{
    private static float[] Logits(params float[] v) => v;

    [Fact]
    public void Greedy_takes_the_argmax()
    {
        var s = new Sampler(4);
        Assert.Equal(2, s.Sample(Logits(0, 1, 3, 2), SamplingParams.Greedy(5), [], 0, 0));
    }

    [Fact]
    public void The_draw_depends_only_on_seed_and_position()
    {
        var s = new Sampler(8);
        var logits = Logits(1, 1, 1, 1, 1, 1, 1, 1);
        var p = new SamplingParams { Temperature = 1, Seed = 42 };
        var first = Enumerable.Range(0, 50).Select(pos => s.Sample(logits, p, [], 0, pos)).ToArray();
        var again = Enumerable.Range(0, 50).Select(pos => new Sampler(8).Sample(logits, p, [], 0, pos)).ToArray();
        Assert.Equal(first, again);
        Assert.True(first.Distinct().Count() > 3, "a uniform distribution should produce several tokens");
        var other = Enumerable.Range(0, 50).Select(pos => s.Sample(logits, p with { Seed = 43 }, [], 0, pos)).ToArray();
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Top_k_top_p_and_min_p_restrict_the_candidates()
    {
        var s = new Sampler(5);
        var logits = Logits(5, 4, 3, 0, -1);
        var seen = new HashSet<int>();
        for (int pos = 0; pos < 300; pos++) seen.Add(s.Sample(logits, new SamplingParams { TopK = 2, Seed = 1 }, [], 0, pos));
        Assert.Equal([0, 1], seen.Order());
        seen.Clear();
        // p(0) ≈ 0.66, p(1) ≈ 0.24: top_p 0.5 keeps only token 0
        for (int pos = 0; pos < 100; pos++) seen.Add(s.Sample(logits, new SamplingParams { TopP = 0.5f, Seed = 1 }, [], 0, pos));
        Assert.Equal([0], seen);
        seen.Clear();
        for (int pos = 0; pos < 300; pos++) seen.Add(s.Sample(logits, new SamplingParams { MinP = 0.3f, Seed = 1 }, [], 0, pos));
        Assert.Equal([0, 1], seen.Order());
    }

    [Fact]
    public void Penalties_push_down_tokens_already_seen()
    {
        var s = new Sampler(3);
        var logits = Logits(2, 1.9f, 0);
        Assert.Equal(1, s.Sample(logits, new SamplingParams { Temperature = 0, RepetitionPenalty = 1.5f }, [0], 0, 1));
        Assert.Equal(1, s.Sample(logits, new SamplingParams { Temperature = 0, PresencePenalty = 0.5f }, [2, 0], 1, 2));
        Assert.Equal(0, s.Sample(logits, new SamplingParams { Temperature = 0, FrequencyPenalty = 0.05f }, [0], 1, 1));
        Assert.Equal(1, s.Sample(logits, new SamplingParams { Temperature = 0, FrequencyPenalty = 0.05f }, [0, 0, 0], 3, 3));
    }

    [Fact]
    public void Logprobs_are_log_softmax_with_sorted_alternatives()
    {
        var s = new Sampler(3);
        var logits = Logits(1, 3, 2);
        var top = new TokenLogprob[2];
        float lp = s.Logprobs(logits, 0, top);
        double z = Math.Log(Math.Exp(1) + Math.Exp(3) + Math.Exp(2));
        Assert.Equal(1 - z, lp, 5);
        Assert.Equal(1, top[0].Token);
        Assert.Equal(2, top[1].Token);
        Assert.Equal(3 - z, top[0].Logprob, 5);
    }

    [Fact]
    public void Bad_parameters_name_the_field()
    {
        Assert.Contains("top_p", Assert.Throws<ArgumentException>(() => new SamplingParams { TopP = 0 }.Validate()).Message);
        Assert.Contains("temperature", Assert.Throws<ArgumentException>(() => new SamplingParams { Temperature = -1 }.Validate()).Message);
        Assert.Contains("max_tokens", Assert.Throws<ArgumentException>(() => new SamplingParams { MaxTokens = -1 }.Validate()).Message);
    }
}
