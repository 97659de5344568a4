using Mesh.Contracts;
using Mesh.Scheduler.Admission;
using Mesh.Scheduler.Journal;
using Mesh.Scheduler.Lifecycle;
using Microsoft.Extensions.Logging.Abstractions;
using static Mesh.Scheduler.Tests.Workers;

namespace Mesh.Scheduler.Tests;

/// <summary>
/// n choices, checkpoints, migration of a lost decode, preemption of offline work, TTFT admission and recovery from
/// the journal, driven one event at a time with exact expected messages.
/// </summary>
public sealed class FaultToleranceTests
{
    private const string Reply = "mesh.replies.test";
    private static readonly KvLayout Layout = new(KvDType.F32, 16, 2, 2, 16);
    private readonly List<Outbound> _out = [];
    private SchedulerCore _core = new(new SchedulerOptions { BlockSize = 16, MaxAttempts = 3, RetryBackoff = TimeSpan.Zero }, NullLogger.Instance);

    private List<Outbound> Apply(object message, DateTimeOffset? at = null)
    {
        _out.Clear();
        _core.Apply(message, at ?? Now, _out);
        return [.. _out];
    }

    private static MessageEnvelope Envelope(string id, int attempt, Priority priority = Priority.Online) =>
        new(new RequestId(id), attempt, priority, Now.AddMinutes(5), new TenantId("t"));

    private static AdmittedRequest Admitted(string id, int n = 1, Priority priority = Priority.Online, int prompt = 40, ServiceTargets? targets = null)
    {
        var request = new InferenceRequest(Envelope(id, 0, priority), "tiny", new TokenPrompt([.. Enumerable.Range(1, prompt)]),
            new SamplingParameters(MaxTokens: 64, Seed: 5, N: n), Reply, true, targets);
        return new AdmittedRequest(request, [.. Enumerable.Range(1, prompt)], request.Sampling, [new BlockHash(1), new BlockHash(2)], [], Now.AddMinutes(5));
    }

    private static KvRef Kv(int tokens, params ulong[] blocks) =>
        new("fp-1", Layout, [.. blocks.Select(b => new BlockHash(b))], tokens, new WorkerId("kvcache"), KvTier.Ram, Now.AddMinutes(2), "xxh64:00000000000000aa");

    private static PrefillDone Done(string id, int attempt, Priority priority = Priority.Online) =>
        new(Envelope(id, attempt, priority), Kv(40, 1, 2, 3), new SampledToken(77, -0.5f), 40, 0, new WorkerId("prefill-0"));

    private static DecodeCheckpoint Checkpoint(string id, int attempt, string worker, int generated, long next, bool suspended = false,
        Priority priority = Priority.Online, int choice = 0) =>
        new(Envelope(id, attempt, priority), choice, Kv(40 + generated - 1, 1, 2, 3, 4),
            [77, .. Enumerable.Range(100, generated - 1)], next, new WorkerId(worker), suspended);

    private static WorkerLoadReport DecodeSlots(string id, int slots) => Decode(id) with { MaxSequences = slots };

    [Fact]
    public void N_choices_share_one_prefill_and_each_draws_with_its_own_seed()
    {
        Apply(Prefill("prefill-0"));
        Apply(Decode("decode-0"));
        Apply(Admitted("r1", n: 3));

        DecodeTask[] tasks = [.. Apply(Done("r1", 0)).Select(o => Assert.IsType<DecodeTask>(o.Message))];

        Assert.Equal([0, 1, 2], tasks.Select(t => t.ChoiceIndex));
        Assert.Equal([5L, 6L, 7L], tasks.Select(t => t.Sampling.Seed!.Value));
        Assert.Equal(77, tasks[0].FirstToken!.TokenId);
        Assert.Null(tasks[1].FirstToken);
        Assert.Null(tasks[2].FirstToken);
        Assert.All(tasks, t => Assert.Equal(0, t.Envelope.Attempt));

        Apply(new Completed(Envelope("r1", 0), 0, FinishReason.Stop, new Usage(40, 3, 0)));
        Apply(new Completed(Envelope("r1", 0), 2, FinishReason.Stop, new Usage(40, 3, 0)));
        Assert.Equal(1, _core.InFlight);
        Apply(new Completed(Envelope("r1", 0), 1, FinishReason.Length, new Usage(40, 64, 0)));
        Assert.Equal(0, _core.InFlight);
    }

    [Fact]
    public void A_decode_whose_worker_is_lost_resumes_on_another_from_its_last_checkpoint()
    {
        Apply(Prefill("prefill-0"));
        Apply(Decode("decode-0", decode: 0) with { LeaseExpiry = Now.AddSeconds(3) });
        Apply(Admitted("r1"));
        Assert.Equal("mesh.decode.decode-0", Assert.Single(Apply(Done("r1", 0))).Topic);
        Assert.Empty(Apply(Checkpoint("r1", 0, "decode-0", generated: 17, next: 17)));
        Assert.Empty(Apply(Checkpoint("r1", 0, "decode-0", generated: 9, next: 9)));      // older, out of order: ignored
        Apply(Decode("decode-1") with { LeaseExpiry = Now.AddMinutes(1) });

        List<Outbound> sent = Apply(new Tick(), Now.AddSeconds(4));

        Outbound cancel = Assert.Single(sent, o => o.Message is CancelRequest);
        Assert.Equal(("mesh.cancellations.decode-0", 0), (cancel.Topic, ((CancelRequest)cancel.Message).ChoiceIndex));
        Outbound resume = Assert.Single(sent, o => o.Message is DecodeTask);
        Assert.Equal("mesh.decode.decode-1", resume.Topic);
        DecodeTask task = (DecodeTask)resume.Message;
        Assert.Equal((1, 77, 17L, 17L), (task.Envelope.Attempt, task.FirstToken!.TokenId, task.SamplerPosition, task.NextSequence));
        Assert.Equal(Enumerable.Range(100, 16), task.GeneratedTokenIds);
        Assert.Equal(4, task.Kv.Blocks.Length);

        // The old attempt's completion is stale; the new one ends the request.
        Apply(new Completed(Envelope("r1", 0), 0, FinishReason.Stop, new Usage(40, 20, 0)));
        Assert.Equal(1, _core.InFlight);
        Apply(new Completed(Envelope("r1", 1), 0, FinishReason.Stop, new Usage(40, 20, 0)));
        Assert.Equal(0, _core.InFlight);
    }

    [Fact]
    public void A_lost_decode_without_a_checkpoint_restarts_from_the_prompts_kv()
    {
        Apply(Prefill("prefill-0") with { LeaseExpiry = Now.AddMinutes(1) });
        Apply(Decode("decode-0"));
        Apply(Admitted("r1"));
        Apply(Done("r1", 0));
        Apply(Decode("decode-1") with { LeaseExpiry = Now.AddMinutes(1) });

        DecodeTask task = Assert.IsType<DecodeTask>(Assert.Single(Apply(new Tick(), Now.AddSeconds(4)), o => o.Message is DecodeTask).Message);

        Assert.Equal((1, 0L, 40), (task.Envelope.Attempt, task.NextSequence, task.Kv.TokenCount));
        Assert.Empty(task.GeneratedTokenIds);
    }

    [Fact]
    public void Online_work_preempts_an_offline_decode_which_resumes_from_its_suspended_checkpoint()
    {
        Apply(Prefill("prefill-0"));
        Apply(DecodeSlots("decode-0", slots: 1));
        Apply(Admitted("batch", priority: Priority.Offline));
        Assert.Equal("mesh.decode.decode-0", Assert.Single(Apply(Done("batch", 0, Priority.Offline))).Topic);
        Apply(Admitted("live"));

        // No room for the online choice: the offline one is asked to suspend.
        Outbound preempt = Assert.Single(Apply(Done("live", 0)));
        CancelRequest suspend = Assert.IsType<CancelRequest>(preempt.Message);
        Assert.Equal(("mesh.cancellations.decode-0", "batch", true, 0), (preempt.Topic, suspend.Envelope.RequestId.Value, suspend.Suspend, suspend.Envelope.Attempt));

        // Suspended: the online choice takes the slot; the offline one waits under a new attempt.
        Outbound live = Assert.Single(Apply(Checkpoint("batch", 0, "decode-0", generated: 20, next: 20, suspended: true, Priority.Offline)));
        Assert.Equal("live", ((DecodeTask)live.Message).Envelope.RequestId.Value);
        Assert.Equal(ChoicePhase.AwaitingDecode, _core.Find(new RequestId("batch"))!.Choices[0].Phase);

        // The online request ends: the offline one resumes from its checkpoint.
        DecodeTask resumed = Assert.IsType<DecodeTask>(Assert.Single(Apply(new Completed(Envelope("live", 0), 0, FinishReason.Stop, new Usage(40, 5, 0)))).Message);
        Assert.Equal(("batch", 1, 20L, 19), (resumed.Envelope.RequestId.Value, resumed.Envelope.Attempt, resumed.NextSequence, resumed.GeneratedTokenIds.Length));
        Assert.Equal(Priority.Offline, resumed.Envelope.Priority);
        Assert.Equal(0, _core.Find(new RequestId("batch"))!.Retries);
    }

    [Fact]
    public void A_stuck_prefill_is_retried_elsewhere_after_its_timeout_and_a_backoff()
    {
        _core = new SchedulerCore(new SchedulerOptions
        {
            BlockSize = 16, PrefillTimeout = TimeSpan.FromSeconds(30), RetryBackoff = TimeSpan.FromSeconds(1),
        }, NullLogger.Instance);
        Apply(Prefill("prefill-0") with { LeaseExpiry = Now.AddMinutes(5) });
        Apply(Admitted("r1"));
        Assert.Empty(Apply(new Tick(), Now.AddSeconds(29)));

        Outbound cancel = Assert.Single(Apply(new Tick(), Now.AddSeconds(30)));     // timed out: stopped, then backing off
        Assert.Equal(("mesh.cancellations.prefill-0", 0), (cancel.Topic, ((CancelRequest)cancel.Message).Envelope.Attempt));
        Assert.Empty(Apply(new Tick(), Now.AddSeconds(30.5)));

        PrefillTask retry = Assert.IsType<PrefillTask>(Assert.Single(Apply(new Tick(), Now.AddSeconds(31))).Message);
        Assert.Equal(1, retry.Envelope.Attempt);
    }

    [Fact]
    public void Offline_prompts_wait_while_online_prompts_wait()
    {
        Apply(Admitted("batch", priority: Priority.Offline));
        Apply(Admitted("live"));

        List<Outbound> sent = Apply(Prefill("prefill-0"));

        Assert.Equal(["live", "batch"], sent.Select(o => ((PrefillTask)o.Message).Envelope.RequestId.Value));
        Assert.Empty(Apply(Admitted("batch-2", priority: Priority.Offline)));   // one offline prefill per worker at a time
    }

    [Fact]
    public void A_draining_worker_gets_no_new_work()
    {
        Apply(Prefill("prefill-0") with { Draining = true });
        Assert.Empty(Apply(Admitted("r1")));
        Assert.Single(Apply(Prefill("prefill-1")));
    }

    [Fact]
    public void An_online_request_whose_first_token_would_come_too_late_is_refused_with_a_retry_hint()
    {
        Apply(Prefill("prefill-0") with { LeaseExpiry = Now.AddMinutes(10) });
        Apply(Decode("decode-0") with { LeaseExpiry = Now.AddMinutes(10) });
        Apply(Admitted("r1", prompt: 100));
        Apply(Done("r1", 0) with { PromptTokenCount = 100 }, Now.AddSeconds(1));     // 100 tokens in 1 s
        Assert.Single(Apply(Admitted("r2", prompt: 300), Now.AddSeconds(1)));       // 3 s predicted: within 5 s

        Outbound refused = Assert.Single(Apply(Admitted("r3", prompt: 300), Now.AddSeconds(1)));   // 6 s predicted

        Failed failed = Assert.IsType<Failed>(refused.Message);
        Assert.Equal((Reply, FailureCodes.Overloaded, true, (double?)1.0), (refused.Topic, failed.Code, failed.Retryable, failed.RetryAfterSeconds));
        Assert.Single(Apply(Admitted("r4", prompt: 300, targets: new ServiceTargets(TtftMs: 10_000)), Now.AddSeconds(1)));
        Apply(Admitted("b1", prompt: 300, priority: Priority.Offline), Now.AddSeconds(1));
        Assert.NotNull(_core.Find(new RequestId("b1")));                           // offline work is never refused for TTFT
    }

    [Fact]
    public void After_a_restart_requests_resume_from_the_journal_under_new_attempts()
    {
        Apply(Prefill("prefill-0"));
        Apply(Decode("decode-0"));
        Apply(Admitted("decoding"));
        Apply(Done("decoding", 0));
        Apply(Checkpoint("decoding", 0, "decode-0", generated: 17, next: 17));
        Apply(Admitted("prefilling"));
        var changes = new List<(RequestId Id, JournalEntry? Entry)>();
        _core.TakeJournalChanges(changes);
        JournalEntry[] entries = [.. changes.Select(c => c.Entry!).OrderBy(e => e.Admitted.Id.Value)];
        Assert.Equal(2, entries.Length);

        _core = new SchedulerCore(new SchedulerOptions { BlockSize = 16, MaxAttempts = 3, RetryBackoff = TimeSpan.Zero }, NullLogger.Instance);
        _out.Clear();
        _core.Recover(entries, Now, _out);
        Assert.Equal(
            ["mesh.cancellations.decode-0", "mesh.cancellations.prefill-0"],
            _out.Select(o => o.Topic).Order());

        List<Outbound> placed = [.. Apply(Prefill("prefill-0")), .. Apply(Decode("decode-0"))];
        PrefillTask prefill = Assert.IsType<PrefillTask>(Assert.Single(placed, o => o.Message is PrefillTask).Message);
        DecodeTask decode = Assert.IsType<DecodeTask>(Assert.Single(placed, o => o.Message is DecodeTask).Message);
        Assert.Equal(("prefilling", 1), (prefill.Envelope.RequestId.Value, prefill.Envelope.Attempt));
        Assert.Equal(("decoding", 2, 17L), (decode.Envelope.RequestId.Value, decode.Envelope.Attempt, decode.NextSequence));
    }
}
