using System.Runtime.CompilerServices;
using Mesh.Contracts;
using Mesh.Engine.Scheduling;
using Mesh.Host;
using Mesh.IntegrationTests.Support;
using Mesh.KvCache;
using Mesh.Workers.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.IntegrationTests;

/// <summary>
/// KV that does not match its reference is never used: the decode fails the stage with kv_mismatch, the scheduler
/// prefills again under a new attempt, and the client gets the right tokens.
/// </summary>
public sealed class RecomputeTests(TinyModel model) : IClassFixture<TinyModel>, IAsyncLifetime
{
    private Harness _mesh = null!;
    private CorruptingStore _store = null!;

    public async Task InitializeAsync() =>
        _mesh = await Harness.StartAsync(model.Path, new EmbeddedOptions(), services =>
            services.AddSingleton<IKvBlockStore>(sp => _store = new CorruptingStore(sp.GetRequiredService<TieredBlockStore>())));

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Kv_corrupted_on_its_way_to_decode_is_recomputed_and_the_tokens_are_right()
    {
        int[] prompt = TinyModel.Prompt(seed: 30, count: 45);
        var sampling = new SamplingParameters(MaxTokens: 12, Temperature: 0.7f, Seed: 99, IgnoreEos: true);
        GenerationResult expected = model.Reference(prompt, SamplingMapper.ToEngine(sampling));
        _store.CorruptNextRead = true;
        InferenceRequest request = Harness.Request(new TokenPrompt(prompt), sampling);

        RequestReplies replies = await _mesh.RunAsync(request);

        Completed completed = Assert.IsType<Completed>(await replies.End);
        Assert.Equal(1, completed.Envelope.Attempt);
        Assert.Equal(expected.Ids, replies.TokenIds);
        Assert.Equal(expected.Text, replies.Text);
        Failed mismatch = Assert.Single(_mesh.Stages.Failures, f => f.Envelope.RequestId == request.Envelope.RequestId);
        Assert.Equal((FailureCodes.KvMismatch, 0, true), (mismatch.Code, mismatch.Envelope.Attempt, mismatch.Retryable));
        Assert.Contains("checksum", mismatch.Message, StringComparison.Ordinal);
    }

    /// <summary>The real store, except that one multi-block read returns its first block with a flipped byte.</summary>
    private sealed class CorruptingStore(TieredBlockStore inner) : IKvBlockStore
    {
        public volatile bool CorruptNextRead;

        public async IAsyncEnumerable<KvBlock> GetManyAsync(
            string fingerprint, IReadOnlyList<BlockHash> hashes, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            bool corrupt = CorruptNextRead;
            CorruptNextRead = false;
            await foreach (KvBlock block in inner.GetManyAsync(fingerprint, hashes, cancellationToken))
            {
                if (!corrupt)
                {
                    yield return block;
                    continue;
                }
                byte[] bytes = block.Data.ToArray();
                bytes[5] ^= 0x40;
                corrupt = false;
                yield return block with { Data = bytes };
            }
        }

        public ValueTask<KvTier> PutAsync(string fingerprint, BlockHash hash, ReadOnlyMemory<byte> data, BlockHash? parent = null, CancellationToken cancellationToken = default) =>
            inner.PutAsync(fingerprint, hash, data, parent, cancellationToken);

        public ValueTask<int> PutManyAsync(string fingerprint, IAsyncEnumerable<KvBlock> blocks, CancellationToken cancellationToken = default) =>
            inner.PutManyAsync(fingerprint, blocks, cancellationToken);

        public ValueTask<ReadOnlyMemory<byte>?> TryGetAsync(string fingerprint, BlockHash hash, CancellationToken cancellationToken = default) =>
            inner.TryGetAsync(fingerprint, hash, cancellationToken);

        public ValueTask<int> LookupPrefixAsync(string fingerprint, IReadOnlyList<BlockHash> chain, CancellationToken cancellationToken = default) =>
            inner.LookupPrefixAsync(fingerprint, chain, cancellationToken);

        public ValueTask<KvLease> LeaseAsync(string fingerprint, IReadOnlyList<BlockHash> chain, TimeSpan? ttl = null, CancellationToken cancellationToken = default) =>
            inner.LeaseAsync(fingerprint, chain, ttl, cancellationToken);

        public ValueTask<bool> ReleaseAsync(KvLease lease, CancellationToken cancellationToken = default) => inner.ReleaseAsync(lease, cancellationToken);

        public ValueTask<KvStoreStats> GetStatsAsync(CancellationToken cancellationToken = default) => inner.GetStatsAsync(cancellationToken);
    }
}
