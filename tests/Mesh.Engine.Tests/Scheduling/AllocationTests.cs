using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tests.Support;

namespace Mesh.Engine.Tests.Scheduling;

/// <summary>Everything a step needs is allocated when the engine starts: once warm, a decode step
/// (forward pass, sampling, bookkeeping) allocates nothing.</summary>
public sealed class AllocationTests(TestModels models) : IClassFixture<TestModels>
{
    [Fact]
    public void A_warm_decode_step_allocates_nothing()
    {
        using var model = ModelLoader.Load(models.Tiny);
        // one thread: every allocation would be on this thread; no tokenizer: no streamed text
        using var engine = new InferenceEngine(model.Config, model.Weights, tokenizer: null,
            new EngineOptions { Threads = 1, MaxSequences = 4, MaxContext = 256 });
        for (int s = 0; s < 3; s++) engine.Add([1, 5 + s, 9, 30], new SamplingParams { Temperature = 0.7f, TopK = 40, Seed = 1, MaxTokens = 200, IgnoreEos = true });
        for (int i = 0; i < 60; i++) engine.Step();   // prefill, then decode steps until the JIT has settled

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) engine.Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(3, engine.RunningCount);
    }
}
