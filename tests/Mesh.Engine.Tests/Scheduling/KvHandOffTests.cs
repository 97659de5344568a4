using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tests.Support;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Scheduling;

/// <summary>KV computed by one engine and continued by another (prefill → decode hand-off, a decode
/// moved off a dead worker) must give exactly the tokens and text of an uninterrupted run, in either
/// KV cache type.</summary>
public sealed class KvHandOffTests(TestModels models) : IClassFixture<TestModels>
{
    private static readonly int[] Prompt = [1, 17, 99, 204, 5, 31, 77, 300, 12, 8, 150, 151, 152, 9, 44, 45, 46, 47, 48];
    private static readonly SamplingParams Sampling = new() { Temperature = 0.9f, TopP = 0.95f, Seed = 77, MaxTokens = 20, IgnoreEos = true };

    private InferenceEngine NewEngine(KvCacheType type = KvCacheType.F32) =>
        new(ModelLoader.Load(models.Tiny), new EngineOptions { Threads = 2, BlockSize = 4, KvCacheType = type });

    [Theory]
    [InlineData(1, KvCacheType.F32)]    // prefill worker hands off after the first token
    [InlineData(9, KvCacheType.F32)]    // a decode worker dies after nine tokens
    [InlineData(1, KvCacheType.F16)]    // the same with F16 blocks (half the bytes on the wire)
    [InlineData(9, KvCacheType.F16)]
    public void Continuing_elsewhere_equals_an_uninterrupted_run(int tokensBeforeHandOff, KvCacheType type)
    {
        using var straight = NewEngine(type);
        var expected = Generation.Run(straight, Prompt, Sampling);

        using var first = NewEngine(type);
        long id = first.Add(Prompt, Sampling with { MaxTokens = tokensBeforeHandOff }, holdKv: true);
        while (first.HasWork) first.Step();
        var held = first.Held(id)!;
        Assert.Equal(Prompt.Length + tokensBeforeHandOff, held.Tokens.Length);
        // the last sampled token has no K/V yet: it is the next step's input
        Assert.Equal(held.Tokens.Length - 1, held.KvTokens);
        var blocks = held.Blocks.Select(b => (ReadOnlyMemory<byte>)first.BlockData(b).ToArray()).ToList();
        Assert.All(blocks, b => Assert.Equal(first.Pool.BlockBytes, b.Length));
        first.ReleaseHeld(id);

        using var second = NewEngine(type);
        var (resumed, pending) = second.Resume(held.Tokens, Prompt.Length, held.KvTokens, blocks, Sampling, emittedTokens: tokensBeforeHandOff - 1);
        var ids = held.Tokens[Prompt.Length..].ToList();
        // the client already has the text of the tokens streamed before the hand-off (as the
        // uninterrupted run streamed it); the resumed engine returns the rest, never repeating any
        int emitted = tokensBeforeHandOff - 1;
        var text = new System.Text.StringBuilder(string.Concat(expected.Steps.Take(emitted).Select(o => o.Text))).Append(pending);
        while (second.HasWork)
            foreach (var o in second.Step())
            {
                if (o.Token >= 0) ids.Add(o.Token);
                text.Append(o.Text);
            }
        Assert.Equal(expected.Ids, ids);
        Assert.Equal(expected.Text, text.ToString());
    }

    [Fact]
    public void Resuming_more_sequences_than_slots_queues_the_rest_and_each_equals_an_uninterrupted_run()
    {
        // a scheduler that presumed this worker lost re-sends decodes it already runs: three resumes for two slots
        int[][] prompts = [Prompt, [.. Prompt.Reverse()], [.. Prompt.Select(t => t + 3)]];
        var options = new EngineOptions { Threads = 2, BlockSize = 4, MaxSequences = 2 };
        using var straight = new InferenceEngine(ModelLoader.Load(models.Tiny), options);
        var expected = prompts.Select(p => Generation.Run(straight, p, Sampling).Ids).ToArray();

        using var first = new InferenceEngine(ModelLoader.Load(models.Tiny), options);
        var held = prompts.Select(p =>
        {
            long id = first.Add(p, Sampling with { MaxTokens = 3 }, holdKv: true);
            while (first.HasWork) first.Step();
            var h = first.Held(id)!;
            var blocks = h.Blocks.Select(b => (ReadOnlyMemory<byte>)first.BlockData(b).ToArray()).ToList();
            first.ReleaseHeld(id);
            return (h.Tokens, h.KvTokens, Blocks: blocks);
        }).ToArray();

        using var second = new InferenceEngine(ModelLoader.Load(models.Tiny), options);
        long[] ids = [.. held.Select((h, i) => second.Resume(h.Tokens, prompts[i].Length, h.KvTokens, h.Blocks, Sampling, 2).Id)];
        Assert.Equal(2, second.RunningCount);
        Assert.Equal(1, second.WaitingCount);
        // the waiting one can be checkpointed (preempted) from the blocks it came with
        Assert.Equal(held[2].KvTokens, second.Snapshot(ids[2])!.KvTokens);
        var got = held.Select((h, i) => h.Tokens[prompts[i].Length..].ToList()).ToArray();
        while (second.HasWork)
        {
            foreach (var o in second.Step())
                if (o.Token >= 0) got[Array.IndexOf(ids, o.SequenceId)].Add(o.Token);
            Assert.True(second.RunningCount <= 2);
        }
        for (int i = 0; i < prompts.Length; i++) Assert.Equal(expected[i], got[i]);
    }

    [Fact]
    public void Resume_rejects_blocks_that_do_not_fit()
    {
        using var e = NewEngine();
        var wrongSize = new List<ReadOnlyMemory<byte>> { new byte[10] };
        Assert.Contains("bytes", Assert.Throws<RequestRejectedException>(() => e.Resume([1, 2, 3], 2, 2, wrongSize, Sampling, 0)).Message);
        Assert.Contains("cannot hold", Assert.Throws<RequestRejectedException>(() => e.Resume([1, 2, 3], 2, 2, [], Sampling, 0)).Message);
    }
}
