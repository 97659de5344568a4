using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tests.Support;

namespace Mesh.Engine.Tests.Scheduling;

/// <summary>Requests the engine must refuse with a clear message, and the ways a sequence ends.</summary>
public sealed class EngineRequestTests(TestModels models) : IClassFixture<TestModels>
{
    private InferenceEngine Engine(EngineOptions? o = null) =>
        new(ModelLoader.Load(models.Tiny), o ?? new EngineOptions { Threads = 2, MaxContext = 64 });

    [Fact]
    public void Bad_requests_are_rejected_with_the_reason()
    {
        using var e = Engine();
        Assert.Contains("empty", Assert.Throws<RequestRejectedException>(() => e.Add([], SamplingParams.Greedy(4))).Message);
        Assert.Contains("context holds 64", Assert.Throws<RequestRejectedException>(() => e.Add(new int[64], SamplingParams.Greedy(4))).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<RequestRejectedException>(() => e.Add([1, 512], SamplingParams.Greedy(4))).Message);
        Assert.Contains("top_p", Assert.Throws<RequestRejectedException>(() => e.Add([1], new SamplingParams { TopP = 2 })).Message);
        Assert.False(e.HasWork);
    }

    [Fact]
    public void Max_tokens_and_the_context_end_a_sequence_with_length()
    {
        using var e = Engine();
        var r = Generation.Run(e, [1, 5, 6], SamplingParams.Greedy(10) with { IgnoreEos = true });
        Assert.Equal(10, r.Ids.Length);
        Assert.Equal(FinishReason.Length, r.Finish);
        var capped = Generation.Run(e, Enumerable.Range(1, 60).ToArray(), SamplingParams.Greedy(100) with { IgnoreEos = true });
        Assert.Equal(4, capped.Ids.Length);   // 60 prompt + 4 = the 64-token context
        Assert.Equal(FinishReason.Length, capped.Finish);
    }

    [Fact]
    public void A_stop_token_ends_the_sequence_and_is_not_returned()
    {
        using var e = Engine();
        var free = Generation.Run(e, [1, 9, 10], SamplingParams.Greedy(12) with { IgnoreEos = true });
        int stopAt = free.Ids[5];
        int firstIndex = Array.IndexOf(free.Ids, stopAt);
        var stopped = Generation.Run(e, [1, 9, 10], SamplingParams.Greedy(12) with { IgnoreEos = true, StopTokenIds = [stopAt] });
        Assert.Equal(FinishReason.Stop, stopped.Finish);
        Assert.Equal(free.Ids[..firstIndex], stopped.Ids);
    }

    [Fact]
    public void A_stop_string_cuts_the_text_before_it()
    {
        using var e = Engine();
        var free = Generation.Run(e, [1, 9, 10], SamplingParams.Greedy(16) with { IgnoreEos = true });
        Skip.If(free.Text.Length < 6, "the generated text is too short to pick a stop string");
        string stop = free.Text.Substring(free.Text.Length / 2, 2);
        var stopped = Generation.Run(e, [1, 9, 10], SamplingParams.Greedy(16) with { IgnoreEos = true, StopStrings = [stop] });
        Assert.Equal(FinishReason.Stop, stopped.Finish);
        Assert.Equal(free.Text[..free.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
    }

    [Fact]
    public void Cancel_ends_a_running_sequence_and_frees_its_blocks()
    {
        using var e = Engine();
        int free = e.Pool.FreeCount;
        long id = e.Add([1, 2, 3, 4, 5], SamplingParams.Greedy(40) with { IgnoreEos = true });
        e.Step();
        e.Step();
        Assert.True(e.Cancel(id));
        var outputs = e.Step();
        Assert.Contains(outputs, o => o.SequenceId == id && o.Finish == FinishReason.Cancelled);
        Assert.False(e.HasWork);
        Assert.Equal(free, e.Pool.FreeCount);
    }

    [Fact]
    public void Logprobs_are_reported_when_asked()
    {
        using var e = Engine();
        var r = Generation.Run(e, [1, 3], SamplingParams.Greedy(3) with { Logprobs = true, TopLogprobs = 3, IgnoreEos = true });
        Assert.All(r.Steps, s =>
        {
            Assert.True(s.Logprob <= 0);
            Assert.Equal(3, s.TopLogprobs!.Length);
            Assert.Equal(s.Token, s.TopLogprobs[0].Token);   // greedy picks the most likely
        });
    }
}
