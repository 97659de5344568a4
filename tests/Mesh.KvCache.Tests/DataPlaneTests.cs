using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Contracts;
using Microsoft.Extensions.Options;
using static Mesh.KvCache.Tests.TestBlocks;

namespace Mesh.KvCache.Tests;

/// <summary>Every data-plane endpoint, exercised through <see cref="KvCacheHttpClient"/> against the service in-process.</summary>
public sealed class DataPlaneTests
{
    private const int BlockBytes = 4096;
    private const string Model = "llama-test:q8";

    [Fact]
    public async Task EveryEndpointRoundTripsThroughTheClient()
    {
        await using var service = new KvCacheFactory(ramBytes: 1 << 20);
        IKvBlockStore kv = service.KvClient();

        Assert.Equal(KvTier.Ram, await kv.PutAsync(Model, Hash(1), Bytes(1, BlockBytes)));
        Assert.Equal(4, await kv.PutManyAsync(Model, RamTierTests.Chain(2, 5, BlockBytes)));

        Assert.Equal(Bytes(1, BlockBytes), (await kv.TryGetAsync(Model, Hash(1)))!.Value.ToArray());
        Assert.Null(await kv.TryGetAsync(Model, Hash(99)));
        List<KvBlock> fetched = [];
        await foreach (KvBlock block in kv.GetManyAsync(Model, [Hash(5), Hash(99), Hash(3)])) fetched.Add(block);
        Assert.Equal([Hash(5), Hash(3)], fetched.Select(b => b.Hash));
        Assert.Equal([Hash(4), Hash(2)], fetched.Select(b => b.Parent!.Value));
        Assert.Equal(Bytes(5, BlockBytes), fetched[0].Data.ToArray());

        Assert.Equal(5, await kv.LookupPrefixAsync(Model, [Hash(1), Hash(2), Hash(3), Hash(4), Hash(5), Hash(6)]));
        KvLease lease = await kv.LeaseAsync(Model, [Hash(1), Hash(2), Hash(7)], TimeSpan.FromMinutes(5));
        Assert.Equal((Model, 2), (lease.Fingerprint, lease.Blocks));
        KvStoreStats leased = await kv.GetStatsAsync();
        Assert.Equal((5L, 2L, 1), (leased.RamBlocks, leased.PinnedBlocks, leased.Leases));
        Assert.True(await kv.ReleaseAsync(lease));
        Assert.False(await kv.ReleaseAsync(lease));

        KvStoreStats stats = await kv.GetStatsAsync();
        KvTierStats ram = stats.For(KvTier.Ram)!;
        Assert.Equal((0L, 0), (stats.PinnedBlocks, stats.Leases));
        Assert.Equal((5L, 3L, 2L, 5L * BlockBytes), (ram.Puts, ram.Hits, ram.Misses, ram.BytesWritten));
    }

    [Fact]
    public async Task CorruptedBodiesAreRejectedWith422AndNotStored()
    {
        await using var service = new KvCacheFactory(ramBytes: 1 << 20);
        IKvBlockStore corrupting = service.KvClient(new CorruptingHandler());
        IKvBlockStore kv = service.KvClient();

        var single = await Assert.ThrowsAsync<KvChecksumException>(async () => await corrupting.PutAsync(Model, Hash(1), Bytes(1, BlockBytes)));
        Assert.Equal(Hash(1), single.Hash);
        await Assert.ThrowsAsync<KvChecksumException>(async () => await corrupting.PutManyAsync(Model, RamTierTests.Chain(2, 3, BlockBytes)));

        Assert.Null(await kv.TryGetAsync(Model, Hash(1)));
        Assert.Equal(1, await kv.LookupPrefixAsync(Model, [Hash(2), Hash(3)]));
    }

    [Fact]
    public async Task ErrorsAnswerWithAStatusAndAJsonCode()
    {
        await using var service = new KvCacheFactory(ramBytes: 1 << 20, maxBlockBytes: BlockBytes);
        HttpClient http = service.CreateClient();

        await AssertError(await http.GetAsync($"/kv/{Model}/blocks/{Hash(1)}"), HttpStatusCode.NotFound, "not_found");
        await AssertError(await http.GetAsync($"/kv/bad*model/blocks/{Hash(1)}"), HttpStatusCode.BadRequest, "invalid_fingerprint");
        await AssertError(await http.GetAsync($"/kv/{Model}/blocks/not-hex"), HttpStatusCode.BadRequest, "invalid_hash");
        await AssertError(await http.PutAsync($"/kv/{Model}/blocks/{Hash(1)}", new ByteArrayContent([1, 2, 3])), HttpStatusCode.BadRequest, "checksum_required");

        using var garbage = new ByteArrayContent(new byte[100]);
        await AssertError(await http.PutAsync($"/kv/{Model}/blocks", garbage), HttpStatusCode.BadRequest, "bad_body");

        IKvBlockStore kv = service.KvClient();
        await Assert.ThrowsAsync<KvBlockTooLargeException>(async () => await kv.PutAsync(Model, Hash(2), Bytes(2, BlockBytes + 1)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await kv.TryGetAsync("bad model", Hash(1)));
    }

    [Fact]
    public async Task AFullCacheAnswers507()
    {
        await using var service = new KvCacheFactory(ramBytes: 2 * BlockBytes);
        IKvBlockStore kv = service.KvClient();
        await kv.PutManyAsync(Model, RamTierTests.Chain(1, 2, BlockBytes));
        await kv.LeaseAsync(Model, [Hash(1), Hash(2)]);

        await Assert.ThrowsAsync<KvCapacityException>(async () => await kv.PutAsync(Model, Hash(3), Bytes(3, BlockBytes)));
    }

    [Fact]
    public async Task FingerprintsAreIsolatedOverTheWire()
    {
        await using var service = new KvCacheFactory(ramBytes: 1 << 20);
        IKvBlockStore kv = service.KvClient();
        await kv.PutAsync("model-a", Hash(1), Bytes(1, BlockBytes));
        await kv.PutAsync("model-b", Hash(1), Bytes(2, BlockBytes));

        Assert.Equal(Bytes(1, BlockBytes), (await kv.TryGetAsync("model-a", Hash(1)))!.Value.ToArray());
        Assert.Equal(Bytes(2, BlockBytes), (await kv.TryGetAsync("model-b", Hash(1)))!.Value.ToArray());
        Assert.Null(await kv.TryGetAsync("model-c", Hash(1)));
        Assert.Equal(0, await kv.LookupPrefixAsync("model-c", [Hash(1)]));
    }

    [Fact]
    public async Task StoredBlocksArePublishedAsKvEvents()
    {
        await using var service = new KvCacheFactory(ramBytes: 1 << 20);
        IKvBlockStore kv = service.KvClient();
        await kv.PutAsync(Model, Hash(2), Bytes(2, BlockBytes), parent: Hash(1));

        KvBlocksStored? stored = null;
        for (int attempt = 0; attempt < 250 && stored is null; attempt++)
        {
            stored = service.Bus.Published.Where(p => p.Topic == Topics.KvEvents).Select(p => p.Message).OfType<KvBlocksStored>().FirstOrDefault();
            if (stored is null) await Task.Delay(20);
        }
        Assert.NotNull(stored);
        Assert.Equal((new WorkerId("kvcache-under-test"), Model, KvTier.Ram, (BlockHash?)Hash(1)), (stored.Worker, stored.ModelFingerprint, stored.Tier, stored.Parent));
        Assert.Equal([Hash(2)], stored.Blocks);
    }

    [Fact]
    public async Task ImpossibleSettingsStopTheServiceAtStart()
    {
        await using var service = new KvCacheFactory(ramBytes: 0);
        var error = Assert.Throws<OptionsValidationException>(() => service.CreateClient());
        Assert.Contains("KvCache:RamBytes is 0", error.Message);
    }

    internal static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
    }
}
