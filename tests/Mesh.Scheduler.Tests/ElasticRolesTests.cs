using Mesh.Contracts;
using Mesh.Scheduler.Admission;
using Mesh.Scheduler.Lifecycle;
using Microsoft.Extensions.Logging.Abstractions;
using static Mesh.Scheduler.Tests.Workers;

namespace Mesh.Scheduler.Tests;

/// <summary>Elastic roles: workers that can serve both stages are moved towards the one short of capacity.</summary>
public sealed class ElasticRolesTests
{
    private static readonly WorkerRole[] Both = [WorkerRole.Prefill, WorkerRole.Decode];
    private readonly SchedulerCore _core = new(new SchedulerOptions { BlockSize = 16, ElasticPrefillQueue = 4, RoleMoveCooldown = TimeSpan.FromSeconds(10) }, NullLogger.Instance);
    private readonly List<Outbound> _out = [];

    private List<Outbound> Apply(object message, DateTimeOffset? at = null)
    {
        _out.Clear();
        _core.Apply(message, at ?? Now, _out);
        return [.. _out];
    }

    private static AdmittedRequest Admitted(string id)
    {
        var request = new InferenceRequest(new MessageEnvelope(new RequestId(id), 0, Priority.Online, Now.AddMinutes(5), new TenantId("t")),
            "tiny", new TokenPrompt([1, 2, 3]), new SamplingParameters(MaxTokens: 4, Seed: 1), "mesh.replies.test", true);
        return new AdmittedRequest(request, [1, 2, 3], request.Sampling, [], [], Now.AddMinutes(5));
    }

    [Fact]
    public void Prompts_piling_up_move_the_least_loaded_decode_worker_to_prefill_once_per_cooldown()
    {
        Apply(Prefill("prefill-0") with { Capabilities = Both });
        Apply(Decode("decode-0", decode: 3) with { Capabilities = Both });
        Apply(Decode("decode-1", decode: 1) with { Capabilities = Both });
        for (int i = 0; i < 4; i++) Apply(Admitted($"r{i}"));

        Outbound move = Assert.Single(Apply(new Tick()));

        Assert.Equal("mesh.workers.roles.decode-1", move.Topic);
        RoleAssignment assignment = Assert.IsType<RoleAssignment>(move.Message);
        Assert.Equal([WorkerRole.Prefill], assignment.Roles);
        Assert.Equal("mesh.prefill.decode-1", Assert.Single(Apply(Admitted("r4"))).Topic);     // the idle new prefill worker
        for (int i = 5; i < 12; i++) Apply(Admitted($"r{i}"));
        Assert.DoesNotContain(Apply(new Tick(), Now.AddSeconds(5)), o => o.Message is RoleAssignment);   // cooldown
    }

    [Fact]
    public void Workers_that_report_no_other_capability_are_never_moved()
    {
        Apply(Prefill("prefill-0"));
        Apply(Decode("decode-0"));
        Apply(Decode("decode-1"));
        for (int i = 0; i < 6; i++) Apply(Admitted($"r{i}"));

        Assert.DoesNotContain(Apply(new Tick()), o => o.Message is RoleAssignment);
    }

    [Fact]
    public void Choices_waiting_for_a_decode_slot_move_an_idle_prefill_worker_to_decode()
    {
        Apply(Prefill("prefill-0") with { Capabilities = Both });
        Apply(Prefill("prefill-1") with { Capabilities = Both });
        Apply(Decode("decode-0") with { MaxSequences = 1 });
        Apply(Admitted("r1"));
        Apply(Admitted("r2"));
        KvRef kv = new("fp", new KvLayout(KvDType.F32, 16, 2, 2, 16), [new BlockHash(1)], 3, new WorkerId("kvcache"), KvTier.Ram, Now.AddMinutes(2), "xxh64:0");
        foreach (string id in new[] { "r1", "r2" })
            Apply(new PrefillDone(new MessageEnvelope(new RequestId(id), 0, Priority.Online, Now.AddMinutes(5), new TenantId("t")), kv,
                new SampledToken(5, -1f), 3, 0, new WorkerId("prefill-0")));

        Outbound move = Assert.Single(Apply(new Tick()), o => o.Message is RoleAssignment);

        Assert.Equal([WorkerRole.Decode], ((RoleAssignment)move.Message).Roles);
        Assert.Equal("mesh.workers.roles.prefill-0", move.Topic);
    }
}
