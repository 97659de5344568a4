using Mesh.Bench.Trace;

namespace Mesh.Bench.Tests;

/// <summary>The slice, time and token transform from recorded to replayed requests.</summary>
public sealed class TraceShapingTests
{
    private static readonly TraceRequest[] Trace =
    [
        new(TimeSpan.FromSeconds(0.0), 100, 10),
        new(TimeSpan.FromSeconds(1.0), 2000, 400),
        new(TimeSpan.FromSeconds(1.5), 6, 2),
        new(TimeSpan.FromSeconds(3.0), 50, 5),
        new(TimeSpan.FromSeconds(4.0), 1, 1),
    ];

    [Fact]
    public void The_slice_starts_inclusive_and_ends_exclusive_and_renumbers_from_zero()
    {
        var shaped = TraceShaping.Apply(Trace, new TraceShape { SliceStart = TimeSpan.FromSeconds(1), Duration = TimeSpan.FromSeconds(2), TimeScale = 1 });

        Assert.Equal([0, 1], shaped.Select(r => r.Index));
        Assert.Equal([Trace[1], Trace[2]], shaped.Select(r => r.Source));
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(0.5)], shaped.Select(r => r.SendAt));
    }

    [Fact]
    public void Time_scale_stretches_the_gaps_from_the_slice_start()
    {
        var shaped = TraceShaping.Apply(Trace, new TraceShape { SliceStart = TimeSpan.FromSeconds(1), Duration = TimeSpan.FromSeconds(10), TimeScale = 4 });

        Assert.Equal([0.0, 2.0, 8.0, 12.0], shaped.Select(r => r.SendAt.TotalSeconds));
    }

    [Fact]
    public void Tokens_are_scaled_rounded_half_away_from_zero_and_clipped()
    {
        var shaped = TraceShaping.Apply(Trace, new TraceShape { SliceStart = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(10), TokenScale = 0.25, MaxPrompt = 300, MaxGen = 64 });

        // 100×¼ = 25; 2000×¼ = 500 → 300; 6×¼ = 1.5 → 2; 50×¼ = 12.5 → 13; 1×¼ = 0.25 → 0 → 1.
        Assert.Equal([25, 300, 2, 13, 1], shaped.Select(r => r.PromptTokens));
        // 10×¼ = 2.5 → 3; 400×¼ = 100 → 64; 2×¼ = 0.5 → 1; 5×¼ = 1.25 → 1; 1×¼ → 1.
        Assert.Equal([3, 64, 1, 1, 1], shaped.Select(r => r.MaxTokens));
        Assert.All(shaped, r => Assert.Equal(128, r.BlockTokens));
    }

    [Fact]
    public void A_prefix_block_never_shrinks_below_one_token()
    {
        var shaped = TraceShaping.Apply(Trace, new TraceShape { SliceStart = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(1), TokenScale = 0.0001 });

        Assert.Equal(1, Assert.Single(shaped).BlockTokens);
    }

    [Theory]
    [InlineData(-1, 1, 1, 1, 10, 10, "--slice-start")]
    [InlineData(0, 0, 1, 1, 10, 10, "--duration")]
    [InlineData(0, 1, 0, 1, 10, 10, "--time-scale")]
    [InlineData(0, 1, 1, double.NaN, 10, 10, "--scale-tokens")]
    [InlineData(0, 1, 1, 1, 0, 10, "--max-prompt")]
    [InlineData(0, 1, 1, 1, 10, 0, "--max-gen")]
    [InlineData(0, 1, 1, 1, 100, 29, "context of 128")]
    public void Validate_names_the_option_out_of_range(double start, double duration, double time, double tokens, int prompt, int gen, string named)
    {
        var shape = new TraceShape
        {
            SliceStart = TimeSpan.FromSeconds(start), Duration = TimeSpan.FromSeconds(duration), TimeScale = time,
            TokenScale = tokens, MaxPrompt = prompt, MaxGen = gen,
        };
        Assert.Contains(named, Assert.Throws<ArgumentException>(() => shape.Validate(maxContext: 128)).Message);
    }
}
