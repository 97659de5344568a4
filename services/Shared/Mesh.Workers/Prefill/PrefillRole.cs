using System.IO.Hashing;
using Mesh.Contracts;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using FinishReason = Mesh.Engine.Scheduling.FinishReason;
using Mesh.KvCache;
using Mesh.ServiceDefaults.Bus;
using Mesh.Workers.Engine;
using Mesh.Workers.Hosting;
using Mesh.Workers.Kv;

namespace Mesh.Workers.Prefill;

/// <summary>
/// Prefill on one worker: imports the cached prefix the KV cache holds (when the engine lacks it), runs the prompt
/// for one token with its KV held, then hands the KV off — kept in the engine for a colocated decode, or written to
/// the KV cache (blocks, token manifest, lease) — and publishes <see cref="PrefillDone"/> with the first token.
/// </summary>
internal sealed class PrefillRole(EngineWorker worker)
{
    /// <summary>Prefill tasks between arrival and hand-off (for the load report).</summary>
    private int _inFlight;

    /// <summary>Prefill tasks being handled now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public async Task<HandlerResult> HandleAsync(PrefillTask task, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            PrefillDone? done = await RunAsync(task, cancellationToken).ConfigureAwait(false);
            if (done is not null && !worker.Dead) await worker.Bus.PublishAsync(Topics.PrefillDone, done, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            StageFailure failure = StageFailure.From(ex);
            if (failure.Code == FailureCodes.Internal && !worker.Dead) worker.Logger.StageFaulted(ex, "prefill", task.Envelope.RequestId, task.Envelope.Attempt, worker.Id);
            await worker.FailStageAsync("prefill", task.Envelope, failure, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
        return HandlerResult.Success;
    }

    /// <summary>The hand-off, or null when the request was cancelled meanwhile.</summary>
    private async Task<PrefillDone?> RunAsync(PrefillTask task, CancellationToken cancellationToken)
    {
        worker.CheckModel(task.Model);
        SamplingParams sampling = EngineWorker.Sampling(task.Sampling) with { MaxTokens = 1 };
        ulong salt = KvNaming.TenantSalt(task.Envelope.TenantId);
        (int cachedBlocks, KvLease? prefixLease) = await ImportCachedPrefixAsync(task, salt, cancellationToken).ConfigureAwait(false);
        try
        {
            PrefillObserver observer = await worker.Host.InvokeAsync(s => Start(s, task, sampling, salt), cancellationToken).ConfigureAwait(false);
            SequenceOutput first = await observer.FirstToken.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (first.Finish == FinishReason.Cancelled) return null;

            SampledToken token = SamplingMapper.ToWire(first.Token, first.Logprob, first.TopLogprobs, worker.Model.Model.Tokenizer);
            (KvRef kv, int cachedTokens) = worker.ServesNow(WorkerRole.Decode)
                ? await worker.Host.InvokeAsync(s => HoldForLocalDecode(s, task, observer.SequenceId, salt), cancellationToken).ConfigureAwait(false)
                : await WriteToCacheAsync(task, observer.SequenceId, salt, cachedBlocks, cancellationToken).ConfigureAwait(false);
            return new PrefillDone(task.Envelope, kv, token, task.TokenIds.Length, cachedTokens, worker.Id);
        }
        finally
        {
            if (prefixLease is not null) await ReleaseQuietlyAsync(prefixLease).ConfigureAwait(false);
        }
    }

    /// <summary>Queues the prompt for one token with its KV held, and observes it; older attempts of the request here stop.</summary>
    private static PrefillObserver Start(EngineSession session, PrefillTask task, SamplingParams sampling, ulong salt)
    {
        if (task.Envelope.Attempt > 0) session.CancelRequest(task.Envelope.RequestId, task.Envelope.Attempt - 1);
        long id = session.Engine.Add(task.TokenIds, sampling, salt, holdKv: true);
        var observer = new PrefillObserver(task.Envelope, id);
        session.Observe(id, observer);
        return observer;
    }

    /// <summary>
    /// Leases the longest prefix of the prompt the KV cache holds and copies into the engine's pool the blocks of it
    /// the pool lacks, so the engine's prefix reuse finds them. Returns how many leading blocks the cache holds (they
    /// need not be written back) and the lease pinning them. A failure here only costs compute: it is logged and the
    /// prefix is computed.
    /// </summary>
    private async Task<(int Blocks, KvLease? Lease)> ImportCachedPrefixAsync(PrefillTask task, ulong salt, CancellationToken cancellationToken)
    {
        IKvBlockStore? store = worker.Store;
        BlockHash[] chain = KvNaming.ReusableChain(task.TokenIds, worker.Model.Kv.BlockSize, salt);
        if (store is null || chain.Length == 0) return (0, null);
        string fingerprint = worker.Model.Fingerprint;
        KvLease? lease = null;
        try
        {
            lease = await store.LeaseAsync(fingerprint, chain, worker.Options.KvLeaseTtl, cancellationToken).ConfigureAwait(false);
            int cached = lease.Blocks;
            if (cached == 0) return (0, lease);
            int onDevice = await worker.Host.InvokeAsync(s => LeadingBlocksInPool(s, chain, cached), cancellationToken).ConfigureAwait(false);
            if (onDevice < cached)
            {
                List<(BlockHash Hash, byte[] Data)> blocks = [];
                await foreach (KvBlock block in store.GetManyAsync(fingerprint, chain[onDevice..cached], cancellationToken).ConfigureAwait(false))
                {
                    if (block.Hash != chain[onDevice + blocks.Count]) break;
                    blocks.Add((block.Hash, worker.Model.Kv.Import(block.Data.Span)));
                }
                await worker.Host.InvokeAsync(s => ImportIntoPool(s, blocks), cancellationToken).ConfigureAwait(false);
                cached = onDevice + blocks.Count;
            }
            return (cached, lease);
        }
        catch (Exception ex) when (ex is KvCacheException or HttpRequestException or KvMismatchException)
        {
            worker.Logger.PrefixImportFailed(ex, task.Envelope.RequestId, chain.Length);
            return (0, lease);
        }
    }

    private static int LeadingBlocksInPool(EngineSession session, BlockHash[] chain, int limit)
    {
        int n = 0;
        while (n < limit && session.Engine.Pool.Contains(chain[n].Value)) n++;
        return n;
    }

    /// <summary>Copies blocks into free pool blocks registered under their hashes, then frees them: cached prefix blocks.</summary>
    private static int ImportIntoPool(EngineSession session, List<(BlockHash Hash, byte[] Data)> blocks)
    {
        var pool = session.Engine.Pool;
        int imported = 0;
        foreach ((BlockHash hash, byte[] data) in blocks)
        {
            if (pool.Contains(hash.Value)) continue;
            int b = pool.Allocate();
            if (b < 0) break;
            data.CopyTo(pool.BlockData(b));
            pool.Register(b, hash.Value);
            pool.Release(b);
            imported++;
        }
        return imported;
    }

    /// <summary>Colocated: the KV stays in this engine for this worker's decode of the same attempt.</summary>
    private (KvRef Kv, int CachedTokens) HoldForLocalDecode(EngineSession session, PrefillTask task, long sequenceId, ulong salt)
    {
        HeldSequence held = Held(session, sequenceId);
        MessageEnvelope e = task.Envelope;
        KvBlockLayout layout = worker.Model.Kv;
        BlockHash[] keys = KvNaming.SequenceBlocks(held.Tokens.AsSpan(0, held.KvTokens), layout.BlockSize, salt, e.RequestId, e.Attempt);
        var checksum = new XxHash64();
        for (int i = 0; i < keys.Length; i++)
            layout.AppendChecksum(checksum, session.Engine.BlockData(held.Blocks[i]), layout.UsedSlots(i, held.KvTokens));
        DateTimeOffset expiry = worker.Time.GetUtcNow() + worker.Options.HeldKvTtl;
        session.Hold(e.RequestId, e.Attempt, sequenceId, expiry, uses: task.Sampling.N);
        var kv = new KvRef(worker.Model.Fingerprint, layout.Layout, keys, held.KvTokens, worker.Id, KvTier.Device, expiry,
            KvBlockLayout.FormatChecksum(checksum));
        return (kv, held.CachedTokens);
    }

    /// <summary>Disaggregated: the KV goes to the KV cache, leased for the decode to read.</summary>
    private async Task<(KvRef Kv, int CachedTokens)> WriteToCacheAsync(
        PrefillTask task, long sequenceId, ulong salt, int cachedBlocks, CancellationToken cancellationToken)
    {
        IKvBlockStore store = worker.Store
            ?? throw new InvalidOperationException($"worker {worker.Id} serves prefill without decode but has no KV cache to hand off through");
        HandOff handOff = await worker.Host.InvokeAsync(s => Export(s, task, sequenceId, salt, cachedBlocks), cancellationToken).ConfigureAwait(false);
        string fingerprint = worker.Model.Fingerprint;
        BlockHash manifestKey = KvNaming.Manifest(handOff.Keys[^1]);
        KvBlock[] writes = [.. handOff.NewBlocks, new KvBlock(manifestKey, handOff.Manifest)];
        await store.PutManyAsync(fingerprint, Stream(writes), cancellationToken).ConfigureAwait(false);

        BlockHash[] leased = [.. handOff.Keys, manifestKey];
        KvLease lease = await store.LeaseAsync(fingerprint, leased, worker.Options.KvLeaseTtl, cancellationToken).ConfigureAwait(false);
        if (lease.Blocks < leased.Length)
        {
            await ReleaseQuietlyAsync(lease).ConfigureAwait(false);
            throw new StageFailure(FailureCodes.Internal,
                $"the KV cache held only {lease.Blocks} of the {leased.Length} blocks just written; it is too small for this prompt", retryable: true);
        }
        var kv = new KvRef(fingerprint, worker.Model.Kv.Layout, handOff.Keys, handOff.KvTokens, new WorkerId(AppIds.KvCache), KvTier.Ram,
            lease.ExpiresAt, handOff.Checksum);
        return (kv, handOff.CachedTokens);
    }

    /// <summary>Takes the held KV off the engine: checksum over every block, bytes of the blocks the cache lacks; releases it.</summary>
    private HandOff Export(EngineSession session, PrefillTask task, long sequenceId, ulong salt, int cachedBlocks)
    {
        HeldSequence held = Held(session, sequenceId);
        try
        {
            MessageEnvelope e = task.Envelope;
            KvBlockLayout layout = worker.Model.Kv;
            ReadOnlySpan<int> kvTokens = held.Tokens.AsSpan(0, held.KvTokens);
            BlockHash[] keys = KvNaming.SequenceBlocks(kvTokens, layout.BlockSize, salt, e.RequestId, e.Attempt);
            var checksum = new XxHash64();
            var writes = new List<KvBlock>(keys.Length);
            for (int i = 0; i < keys.Length; i++)
            {
                ReadOnlySpan<byte> block = session.Engine.BlockData(held.Blocks[i]);
                int used = layout.UsedSlots(i, held.KvTokens);
                layout.AppendChecksum(checksum, block, used);
                if (i >= cachedBlocks) writes.Add(new KvBlock(keys[i], layout.Export(block, used), i > 0 ? keys[i - 1] : null));
            }
            return new HandOff(keys, [.. writes], PromptManifest.Encode(kvTokens), held.KvTokens, KvBlockLayout.FormatChecksum(checksum), held.CachedTokens);
        }
        finally
        {
            session.Engine.ReleaseHeld(sequenceId);
        }
    }

    /// <summary>Blocks already in memory, as the stream <see cref="IKvBlockStore.PutManyAsync"/> reads.</summary>
    private static async IAsyncEnumerable<KvBlock> Stream(KvBlock[] blocks)
    {
        foreach (KvBlock block in blocks) yield return block;
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static HeldSequence Held(EngineSession session, long sequenceId) =>
        session.Engine.Held(sequenceId) ?? throw new InvalidOperationException($"the engine holds no KV for finished sequence {sequenceId}");

    private async Task ReleaseQuietlyAsync(KvLease lease)
    {
        try
        {
            if (worker.Store is { } store) await store.ReleaseAsync(lease).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KvCacheException or HttpRequestException)
        {
            // The lease lapses on its own at its expiry.
        }
    }
}
