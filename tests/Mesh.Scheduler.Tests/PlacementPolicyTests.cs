using Mesh.Contracts;
using Mesh.Scheduler.Placement;
using static Mesh.Scheduler.Tests.Workers;

namespace Mesh.Scheduler.Tests;

public sealed class PlacementPolicyTests
{
    private static readonly BlockHash[] Chain = [new(11), new(12), new(13), new(14), new(15), new(16)];

    private static (WorkerTable Table, PrefixIndex Prefixes) Cluster(params WorkerLoadReport[] reports)
    {
        var table = new WorkerTable();
        foreach (WorkerLoadReport r in reports) table.Report(r);
        return (table, new PrefixIndex());
    }

    private static PlacementPolicy Policy(int queuePenalty = 512, int decodePenalty = 32) =>
        new(new SchedulerOptions { BlockSize = 16, QueuePenaltyTokens = queuePenalty, DecodePenaltyTokens = decodePenalty });

    [Fact]
    public void Prefill_goes_to_the_worker_whose_engine_holds_the_prefix()
    {
        (WorkerTable table, PrefixIndex prefixes) = Cluster(Prefill("p-a"), Prefill("p-b"), Prefill("p-c"));
        prefixes.Record(new WorkerId("p-b"), Chain[..4], capacity: 100);

        WorkerView? chosen = Policy().ChoosePrefill(table.All, Chain, 100, 0, prefixes, Now);

        Assert.Equal("p-b", chosen?.Id.Value);
        Assert.Equal(100 - 64, Policy().PrefillCost(chosen!, Chain, 100, 0, prefixes));
    }

    [Theory]
    [InlineData(512, "p-b")] // a queued prefill costs more than recomputing 64 tokens: the idle worker
    [InlineData(16, "p-a")]  // it costs less: the worker with the cache
    public void Cache_overlap_is_weighed_against_queued_prefills(int queuePenalty, string expected)
    {
        (WorkerTable table, PrefixIndex prefixes) = Cluster(Prefill("p-a", prefill: 1), Prefill("p-b"));
        prefixes.Record(new WorkerId("p-a"), Chain[..4], capacity: 100);

        WorkerView? chosen = Policy(queuePenalty).ChoosePrefill(table.All, Chain, 100, 0, prefixes, Now);

        Assert.Equal(expected, chosen?.Id.Value);
    }

    [Fact]
    public void Prefills_sent_but_not_yet_reported_count_as_load()
    {
        (WorkerTable table, PrefixIndex prefixes) = Cluster(Prefill("p-a"), Prefill("p-b"));
        table.Find(new WorkerId("p-a"))!.PrefillsSent = 2;

        Assert.Equal("p-b", Policy().ChoosePrefill(table.All, Chain, 100, 0, prefixes, Now)?.Id.Value);
    }

    [Fact]
    public void Ties_go_to_the_lower_worker_id_and_the_shared_kv_cache_helps_every_worker_alike()
    {
        (WorkerTable table, PrefixIndex prefixes) = Cluster(Prefill("p-c"), Prefill("p-b"), Prefill("p-a"));
        PlacementPolicy policy = Policy();

        WorkerView? chosen = policy.ChoosePrefill(table.All, Chain, 100, storeCachedBlocks: 5, prefixes, Now);

        Assert.Equal("p-a", chosen?.Id.Value);
        Assert.Equal(100 - 80, policy.PrefillCost(table.Find(new WorkerId("p-c"))!, Chain, 100, 5, prefixes));
    }

    [Fact]
    public void Dead_workers_decode_only_workers_and_pools_too_small_for_the_prompt_are_never_chosen()
    {
        (WorkerTable table, PrefixIndex prefixes) = Cluster(
            Report("p-dead", [WorkerRole.Prefill], lease: TimeSpan.FromSeconds(-1)),
            Decode("d-only"),
            Prefill("p-small", total: 6),
            Prefill("p-busy", prefill: 9));

        Assert.Equal("p-busy", Policy().ChoosePrefill(table.All, Chain, 100, 0, prefixes, Now)?.Id.Value);
        Assert.Null(Policy().ChoosePrefill(table.All.Where(w => w.Id.Value != "p-busy"), Chain, 100, 0, prefixes, Now));
    }

    [Fact]
    public void A_colocated_worker_pays_for_its_running_decodes()
    {
        (WorkerTable table, PrefixIndex prefixes) = Cluster(Colocated("c-a", decode: 10), Colocated("c-b", decode: 2));

        WorkerView? chosen = Policy(decodePenalty: 32).ChoosePrefill(table.All, Chain, 100, 0, prefixes, Now);

        Assert.Equal("c-b", chosen?.Id.Value);
        Assert.Equal(100 + 2 * 32, Policy().PrefillCost(chosen!, Chain, 100, 0, prefixes));
    }

    [Fact]
    public void Decode_goes_to_the_worker_with_the_fewest_decodes_that_has_room()
    {
        (WorkerTable table, _) = Cluster(Decode("d-a", decode: 3), Decode("d-b", decode: 1, free: 5), Decode("d-c", decode: 1, free: 50), Decode("d-d", decode: 1, free: 40));
        KvRef kv = Kv(KvTier.Ram, "kvcache");

        // 200 tokens need 13 blocks: d-b has no room; d-c and d-d tie on load, d-c has more free blocks.
        Assert.Equal("d-c", Policy().ChooseDecode(table.All, kv, totalTokens: 200, Now)?.Id.Value);
    }

    [Fact]
    public void Decode_of_kv_held_in_a_workers_device_memory_goes_to_that_worker_or_nowhere()
    {
        (WorkerTable table, _) = Cluster(Colocated("c-a", decode: 9), Colocated("c-b"), Report("c-gone", [WorkerRole.Prefill, WorkerRole.Decode], lease: TimeSpan.Zero));

        Assert.Equal("c-a", Policy().ChooseDecode(table.All, Kv(KvTier.Device, "c-a"), 100, Now)?.Id.Value);
        Assert.Null(Policy().ChooseDecode(table.All, Kv(KvTier.Device, "c-gone"), 100, Now));
    }

    [Fact]
    public void Without_room_anywhere_the_hand_off_waits()
    {
        (WorkerTable table, _) = Cluster(Decode("d-a", free: 3), Decode("d-b", free: 4));

        Assert.Null(Policy().ChooseDecode(table.All, Kv(KvTier.Ram, "kvcache"), totalTokens: 100, Now));
    }

    [Fact]
    public void The_prefix_index_forgets_tails_before_heads_like_the_engine_pool()
    {
        var index = new PrefixIndex();
        var w = new WorkerId("p-a");
        index.Record(w, Chain[..4], capacity: 4);
        index.Record(w, [new BlockHash(99)], capacity: 4);

        Assert.Equal(3, index.Overlap(w, Chain));
        Assert.Equal(4, index.Count(w));
    }

    private static KvRef Kv(KvTier tier, string owner) =>
        new("fp", new KvLayout(KvDType.F32, 16, 2, 2, 16), [new BlockHash(1)], 10, new WorkerId(owner), tier, Now.AddMinutes(1), "xxh64:0000000000000000");
}
