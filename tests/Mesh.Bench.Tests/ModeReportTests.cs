using Mesh.Bench.Trace;

namespace Mesh.Bench.Tests;

/// <summary>Goodput, rates and latency percentiles of a mode from hand-made outcomes.</summary>
public sealed class ModeReportTests
{
    private static readonly SloTargets Targets = new(TtftMs: 100, TpotMs: 10);

    /// <summary>A completed request: TTFT <paramref name="ttft"/> ms, then <paramref name="tokens"/> − 1 tokens <paramref name="tpot"/> ms apart.</summary>
    private static RequestOutcome Done(int index, double ttft, double tpot, int tokens, double finished = 1) => new(
        index, TimeSpan.Zero, null,
        TimeSpan.FromMilliseconds(ttft), TimeSpan.FromMilliseconds(ttft + tpot * (tokens - 1)), TimeSpan.FromSeconds(finished),
        tokens, PromptTokens: 20, CompletionTokens: tokens);

    private static RequestOutcome Failed(int index, bool rejected = false) =>
        new(index, TimeSpan.Zero, rejected ? "HTTP 429: overloaded" : "HTTP 503: unavailable", null, null, TimeSpan.FromSeconds(1), 0, null, null, Rejected: rejected);

    [Fact]
    public void TPOT_is_the_gap_between_first_and_last_token_over_the_tokens_after_the_first()
    {
        var o = new RequestOutcome(0, TimeSpan.Zero, null, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(80), TimeSpan.FromSeconds(1), 4, 3, 4);

        Assert.Equal(TimeSpan.FromMilliseconds(10), o.TimePerOutputToken);
        Assert.Null((o with { OutputTokens = 1 }).TimePerOutputToken);
    }

    [Fact]
    public void Goodput_counts_completed_requests_within_both_targets_at_their_edges()
    {
        Assert.True(Targets.Met(Done(0, ttft: 100, tpot: 10, tokens: 5)));
        Assert.False(Targets.Met(Done(0, ttft: 100.5, tpot: 1, tokens: 5)));
        Assert.False(Targets.Met(Done(0, ttft: 1, tpot: 10.5, tokens: 5)));
        Assert.True(Targets.Met(Done(0, ttft: 99, tpot: 1000, tokens: 1)));    // one token: no TPOT to miss
        Assert.False(Targets.Met(Failed(0)));
    }

    [Fact]
    public void The_report_adds_up()
    {
        RequestOutcome[] outcomes =
        [
            Done(0, ttft: 40, tpot: 5, tokens: 11) with { CachedTokens = 16 },
            Done(1, ttft: 80, tpot: 8, tokens: 3),
            Done(2, ttft: 200, tpot: 5, tokens: 5),      // TTFT missed
            Done(3, ttft: 60, tpot: 20, tokens: 2),      // TPOT missed
            Failed(4),
            Failed(5, rejected: true),
        ];

        ModeReport r = ModeReport.Of("colocated", outcomes, TimeSpan.FromSeconds(4), Targets);

        Assert.Equal((6, 4, 2, 1), (r.Requests, r.Completed, r.Failed, r.Rejected));
        Assert.Equal(2, r.Good);
        Assert.Equal(2 / 6.0, r.GoodputFraction, 12);
        Assert.Equal(0.5, r.GoodputPerSecond, 12);
        Assert.Equal(1.0, r.RequestsPerSecond, 12);
        Assert.Equal(21, r.OutputTokens);
        Assert.Equal(80, r.PromptTokens);
        Assert.Equal(16, r.CachedPromptTokens);
        Assert.Equal(21 / 4.0, r.OutputTokensPerSecond, 12);
        Assert.Equal(70, r.TtftMs!.P50, 12);                     // 40, 60, 80, 200
        Assert.Equal(6.5, r.TpotMs!.P50, 12);                    // 5, 5, 8, 20
        Assert.Equal(["request 4: HTTP 503: unavailable", "request 5: HTTP 429: overloaded"], r.FirstErrors);
    }

    [Fact]
    public void Nothing_completed_gives_no_percentiles_and_zero_rates()
    {
        ModeReport r = ModeReport.Of("disaggregated", [Failed(0)], TimeSpan.Zero, Targets);

        Assert.Null(r.TtftMs);
        Assert.Null(r.TpotMs);
        Assert.Equal((0.0, 0.0, 0.0), (r.RequestsPerSecond, r.GoodputFraction, r.GoodputPerSecond));
    }
}
