using Mesh.Contracts;
using Mesh.Scheduler.Admission;
using Mesh.Scheduler.Lifecycle;
using Microsoft.Extensions.Logging.Abstractions;
using static Mesh.Scheduler.Tests.Workers;

namespace Mesh.Scheduler.Tests;

/// <summary>The request state machine, driven one event at a time with exact expected messages.</summary>
public sealed class SchedulerCoreTests
{
    private const string Reply = "mesh.replies.test";
    private readonly SchedulerCore _core = new(new SchedulerOptions { BlockSize = 16, MaxAttempts = 3, RetryBackoff = TimeSpan.Zero }, NullLogger.Instance);
    private readonly List<Outbound> _out = [];

    private static readonly KvLayout Layout = new(KvDType.F32, 16, 2, 2, 16);

    private List<Outbound> Apply(object message, DateTimeOffset? at = null)
    {
        _out.Clear();
        _core.Apply(message, at ?? Now, _out);
        return [.. _out];
    }

    private static AdmittedRequest Admitted(string id, int promptTokens = 40, int maxTokens = 8, MediaRef[]? media = null, DateTimeOffset? deadline = null)
    {
        var request = new InferenceRequest(
            new MessageEnvelope(new RequestId(id), 0, Priority.Online, deadline ?? Now.AddMinutes(5), new TenantId("t")),
            "tiny", new TokenPrompt([.. Enumerable.Range(1, promptTokens)]), new SamplingParameters(MaxTokens: maxTokens, Seed: 5), Reply, true);
        return new AdmittedRequest(request, [.. Enumerable.Range(1, promptTokens)], request.Sampling,
            [new BlockHash(1), new BlockHash(2)], media ?? [], deadline ?? Now.AddMinutes(5));
    }

    private static PrefillDone Done(string id, int attempt, string worker, KvTier tier = KvTier.Ram, string? owner = null) =>
        new(new MessageEnvelope(new RequestId(id), attempt, Priority.Online, Now.AddMinutes(5), new TenantId("t")),
            new KvRef("fp-1", Layout, [new BlockHash(1), new BlockHash(2), new BlockHash(3)], 40, new WorkerId(owner ?? "kvcache"), tier,
                Now.AddMinutes(2), "xxh64:00000000000000aa"),
            new SampledToken(77, -0.5f), 40, 16, new WorkerId(worker));

    private static MessageEnvelope Envelope(string id, int attempt) => new(new RequestId(id), attempt, Priority.Online, Now.AddMinutes(5), new TenantId("t"));

    [Fact]
    public void A_request_goes_prefill_then_decode_then_done()
    {
        Apply(Prefill("prefill-0"));
        Apply(Decode("decode-0"));

        Outbound prefill = Assert.Single(Apply(Admitted("r1")));
        Assert.Equal("mesh.prefill.prefill-0", prefill.Topic);
        PrefillTask task = Assert.IsType<PrefillTask>(prefill.Message);
        Assert.Equal((40, 0, 5L), (task.TokenIds.Length, task.Envelope.Attempt, task.Sampling.Seed!.Value));
        Assert.Equal(RequestPhase.Prefilling, _core.Find(new RequestId("r1"))!.Phase);

        Outbound decode = Assert.Single(Apply(Done("r1", 0, "prefill-0")));
        Assert.Equal("mesh.decode.decode-0", decode.Topic);
        DecodeTask d = Assert.IsType<DecodeTask>(decode.Message);
        Assert.Equal((77, 40, 16, Reply, 0L), (d.FirstToken!.TokenId, d.PromptTokenCount, d.CachedTokenCount, d.ReplyTopic, d.NextSequence));
        Assert.Equal("fp-1", _core.Fingerprint);
        Assert.Equal(2, _core.Prefixes.Overlap(new WorkerId("prefill-0"), [new BlockHash(1), new BlockHash(2)]));

        Assert.Empty(Apply(new Completed(Envelope("r1", 0), 0, FinishReason.Length, new Usage(40, 8, 16))));
        Assert.Equal(0, _core.InFlight);
    }

    [Fact]
    public void Without_workers_a_request_waits_and_is_placed_when_one_reports()
    {
        Assert.Empty(Apply(Admitted("r1")));
        Assert.Equal(RequestPhase.Waiting, _core.Find(new RequestId("r1"))!.Phase);

        Outbound prefill = Assert.Single(Apply(Prefill("prefill-7")));

        Assert.Equal("mesh.prefill.prefill-7", prefill.Topic);
    }

    [Fact]
    public void Results_of_a_stale_attempt_are_ignored()
    {
        Apply(Prefill("prefill-0"));
        Apply(Decode("decode-0"));
        Apply(Admitted("r1"));

        Assert.Empty(Apply(Done("r1", attempt: 5, "prefill-0")));
        Assert.Empty(Apply(new Completed(Envelope("r1", 3), 0, FinishReason.Stop, new Usage(1, 1, 0))));
        Assert.Equal(RequestPhase.Prefilling, _core.Find(new RequestId("r1"))!.Phase);
    }

    [Fact]
    public void A_kv_mismatch_reprefills_under_a_new_attempt_until_the_attempts_are_used_up()
    {
        Apply(Prefill("prefill-0"));
        Apply(Decode("decode-0"));
        Apply(Admitted("r1"));
        Apply(Done("r1", 0, "prefill-0"));

        Outbound retry = Assert.Single(Apply(new Failed(Envelope("r1", 0), FailureCodes.KvMismatch, "checksum", true, new WorkerId("decode-0"))));
        Assert.Equal(("mesh.prefill.prefill-0", 1), (retry.Topic, ((PrefillTask)retry.Message).Envelope.Attempt));

        Apply(Done("r1", 1, "prefill-0"));
        Assert.Equal("mesh.prefill.prefill-0", Assert.Single(Apply(new Failed(Envelope("r1", 1), FailureCodes.KvMismatch, "checksum", true))).Topic);
        Apply(Done("r1", 2, "prefill-0"));

        Outbound end = Assert.Single(Apply(new Failed(Envelope("r1", 2), FailureCodes.KvMismatch, "checksum", true)));
        Assert.Equal(Reply, end.Topic);
        Failed failed = Assert.IsType<Failed>(end.Message);
        Assert.Equal((FailureCodes.KvMismatch, 2), (failed.Code, failed.Envelope.Attempt));
        Assert.Contains("after 3 attempts", failed.Message, StringComparison.Ordinal);
        Assert.Equal(0, _core.InFlight);
    }

    [Fact]
    public void A_non_retryable_failure_goes_to_the_client_at_once()
    {
        Apply(Prefill("prefill-0"));
        Apply(Admitted("r1"));

        Outbound end = Assert.Single(Apply(new Failed(Envelope("r1", 0), FailureCodes.InvalidRequest, "token id 9999 is outside", false)));

        Assert.Equal(Reply, end.Topic);
        Assert.Equal("token id 9999 is outside", Assert.IsType<Failed>(end.Message).Message);
    }

    [Fact]
    public void Cancelling_a_prefill_tells_the_worker_and_completes_the_request_as_cancelled()
    {
        Apply(Prefill("prefill-0"));
        Apply(Admitted("r1"));

        List<Outbound> sent = Apply(new CancelRequest(Envelope("r1", 0), "client went away"));

        Assert.Equal(["mesh.cancellations.prefill-0", Reply], sent.Select(o => o.Topic));
        Completed completed = Assert.IsType<Completed>(sent[1].Message);
        Assert.Equal((FinishReason.Cancelled, 40, 0), (completed.FinishReason, completed.Usage.PromptTokens, completed.Usage.CompletionTokens));
        Assert.Empty(Apply(Done("r1", 0, "prefill-0")));
    }

    [Fact]
    public void Cancelling_a_decode_stops_the_worker_and_relays_its_cancelled_completion()
    {
        Apply(Prefill("prefill-0"));
        Apply(Decode("decode-0"));
        Apply(Admitted("r1"));
        Apply(Done("r1", 0, "prefill-0"));

        Outbound cancel = Assert.Single(Apply(new CancelRequest(Envelope("r1", 0), "client went away")));
        Assert.Equal("mesh.cancellations.decode-0", cancel.Topic);
        Assert.Empty(Apply(new CancelRequest(Envelope("r1", 0), "again")));

        Outbound relayed = Assert.Single(Apply(new Completed(Envelope("r1", 0), 0, FinishReason.Cancelled, new Usage(40, 3, 16))));
        Assert.Equal(Reply, relayed.Topic);
        Assert.Equal(new Usage(40, 3, 16), Assert.IsType<Completed>(relayed.Message).Usage);
        Assert.Equal(0, _core.InFlight);
    }

    [Fact]
    public void Kv_held_by_a_colocated_worker_is_decoded_there()
    {
        Apply(Colocated("worker-0"));
        Apply(Colocated("worker-1", decode: 0));
        Assert.Equal("mesh.prefill.worker-0", Assert.Single(Apply(Admitted("r1"))).Topic);

        Outbound decode = Assert.Single(Apply(Done("r1", 0, "worker-0", KvTier.Device, owner: "worker-0")));

        Assert.Equal("mesh.decode.worker-0", decode.Topic);
    }

    [Fact]
    public void A_worker_that_stops_reporting_loses_its_requests_to_another_worker()
    {
        Apply(Report("prefill-a", [WorkerRole.Prefill], lease: TimeSpan.FromSeconds(2)));
        Apply(Admitted("r1"));
        Apply(Report("prefill-b", [WorkerRole.Prefill], lease: TimeSpan.FromSeconds(60)));

        List<Outbound> sent = Apply(new Tick(), Now.AddSeconds(5));

        Assert.Equal(["mesh.cancellations.prefill-a", "mesh.prefill.prefill-b"], sent.Select(o => o.Topic));
        Assert.Equal(0, ((CancelRequest)sent[0].Message).Envelope.Attempt);
        Assert.Equal(1, ((PrefillTask)sent[1].Message).Envelope.Attempt);
        Assert.Null(_core.Workers.Find(new WorkerId("prefill-a")));
        Assert.Empty(Apply(new Completed(Envelope("r1", 0), 0, FinishReason.Cancelled, new Usage(40, 2, 0))));
    }

    [Fact]
    public void A_request_past_its_deadline_fails_and_its_worker_is_told_to_stop()
    {
        Apply(Report("prefill-0", [WorkerRole.Prefill], lease: TimeSpan.FromHours(1)));
        Apply(Admitted("r1", deadline: Now.AddSeconds(10)));

        List<Outbound> sent = Apply(new Tick(), Now.AddSeconds(11));

        Assert.Equal(["mesh.cancellations.prefill-0", Reply], sent.Select(o => o.Topic));
        Assert.Equal(FailureCodes.DeadlineExceeded, Assert.IsType<Failed>(sent[1].Message).Code);
    }

    [Fact]
    public void Media_without_an_encode_worker_fail_and_with_one_are_sent_to_encode()
    {
        MediaRef[] media = [new("sha256:aa", "image/png", "blob://a"), new("sha256:bb", "image/png", "blob://b")];
        Failed failed = Assert.IsType<Failed>(Assert.Single(Apply(Admitted("r1", media: media))).Message);
        Assert.Contains("no encode worker is running", failed.Message, StringComparison.Ordinal);

        Apply(Report("encode-0", [WorkerRole.Encode]));
        List<Outbound> sent = Apply(Admitted("r2", media: media));

        Assert.Equal([Topics.Encode, Topics.Encode], sent.Select(o => o.Topic));
        Assert.Equal([0, 1], sent.Select(o => ((EncodeTask)o.Message).ItemIndex));
        Outbound refused = Assert.Single(Apply(new Failed(Envelope("r2", 0), FailureCodes.InvalidRequest, "no image encoder", false, new WorkerId("encode-0"))));
        Assert.Equal(Reply, refused.Topic);
    }

    [Fact]
    public void A_dead_lettered_prefill_ends_the_request_as_poison()
    {
        Apply(Prefill("prefill-0"));
        PrefillTask task = (PrefillTask)Assert.Single(Apply(Admitted("r1"))).Message;

        Outbound end = Assert.Single(Apply(new DeadLettered(Topics.Prefill, task)));

        Assert.Equal(FailureCodes.PoisonMessage, Assert.IsType<Failed>(end.Message).Code);
    }
}
