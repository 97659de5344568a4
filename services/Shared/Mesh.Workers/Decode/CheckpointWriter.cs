using Mesh.Contracts;
using Mesh.KvCache;
using Mesh.ServiceDefaults.Bus;
using Mesh.Workers.Kv;
using Mesh.Workers.Model;
using Microsoft.Extensions.Logging;

namespace Mesh.Workers.Decode;

/// <summary>
/// Saves a decode checkpoint: writes its new KV blocks and token manifest to the KV cache, leases them, and tells the
/// scheduler with a <see cref="DecodeCheckpoint"/>. Full blocks go under their chain hashes (a later prompt that shares
/// the text reuses them); a suspended checkpoint's partial last block under a key naming the request and attempt.
/// Runs on the reply publisher's loop, after the chunks of every token the checkpoint covers, so its
/// <see cref="DecodeCheckpoint.NextSequence"/> is exact.
/// </summary>
internal sealed class CheckpointWriter(
    WorkerId worker, ServedModel model, IKvBlockStore store, TimeSpan leaseTtl, TimeSpan suspendedLeaseTtl, IMeshBus bus, ILogger logger)
{
    /// <summary>Saves and reports <paramref name="item"/>; a checkpoint that cannot be saved is skipped (it only saves recompute), a suspension that cannot be saved fails the stage.</summary>
    public async Task WriteAsync(CheckpointItem item)
    {
        DecodeStream stream = item.Stream;
        DecodeTask task = stream.Task;
        MessageEnvelope e = task.Envelope;
        try
        {
            KvRef kv = await SaveAsync(item).ConfigureAwait(false);
            int[] generated = item.Tokens[task.PromptTokenCount..];
            var checkpoint = new DecodeCheckpoint(e, task.ChoiceIndex, kv, generated, stream.NextSequence, worker, item.Suspended);
            await bus.PublishAsync(Topics.DecodeCheckpoints, checkpoint).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KvCacheException or HttpRequestException or MeshBusException)
        {
            logger.CheckpointFailed(ex, e.RequestId, e.Attempt, task.ChoiceIndex, worker);
            if (!item.Suspended) return;
            await bus.PublishAsync(Topics.StageFailed, new Failed(e, FailureCodes.KvMismatch,
                $"the preempted decode could not save its KV: {ex.Message}", true, worker, task.ChoiceIndex)).ConfigureAwait(false);
        }
        finally
        {
            // A suspended stream ends here; its lease stays until the scheduler resumes it (or it lapses).
            if (item.Suspended) stream.Abandon();
        }
    }

    /// <summary>Releases the lease of the stream's latest checkpoint (the stream ended; nobody resumes from it).</summary>
    public async Task ReleaseAsync(DecodeStream stream)
    {
        CheckpointProgress progress = stream.Checkpoints;
        if (progress.Lease is not { } lease || progress.Suspended) return;
        progress.Lease = null;
        try
        {
            await store.ReleaseAsync(lease).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KvCacheException or HttpRequestException)
        {
            // The lease lapses on its own at its expiry.
        }
    }

    private async Task<KvRef> SaveAsync(CheckpointItem item)
    {
        DecodeStream stream = item.Stream;
        MessageEnvelope e = stream.Task.Envelope;
        CheckpointProgress progress = stream.Checkpoints;
        KvBlockLayout layout = model.Kv;
        ulong salt = KvNaming.TenantSalt(e.TenantId);
        int[] kvTokens = item.Tokens[..item.KvTokens];
        BlockHash[] keys = item.Suspended
            ? KvNaming.SequenceBlocks(kvTokens, layout.BlockSize, salt, e.RequestId, e.Attempt)
            : KvNaming.Chain(kvTokens, layout.BlockSize, salt);
        if (item.FirstBlock != progress.BlocksHashed || item.FirstBlock + item.Blocks.Length != keys.Length)
            throw new InvalidOperationException(
                $"checkpoint of request {e.RequestId} carries blocks {item.FirstBlock}..{item.FirstBlock + item.Blocks.Length} but {progress.BlocksHashed} are saved and it needs {keys.Length}");

        // Full blocks are content-addressed: on a stream's first checkpoint, those the cache already holds (the prompt's,
        // written by prefill) are not sent again. Later checkpoints carry only blocks generated since: nothing to ask.
        int full = item.KvTokens / layout.BlockSize;
        int present = item.FirstBlock == 0 && full > 0 ? await store.LookupPrefixAsync(model.Fingerprint, keys[..full]).ConfigureAwait(false) : 0;
        var writes = new List<KvBlock>(item.Blocks.Length + 1);
        for (int i = item.FirstBlock; i < keys.Length; i++)
        {
            byte[] block = item.Blocks[i - item.FirstBlock];
            int used = layout.UsedSlots(i, item.KvTokens);
            layout.AppendChecksum(progress.Checksum, block, used);
            if (i >= present) writes.Add(new KvBlock(keys[i], layout.Export(block, used), i > 0 ? keys[i - 1] : null));
        }
        progress.BlocksHashed = keys.Length;
        if (item.Suspended) progress.Suspended = true;
        string checksum = KvBlockLayout.FormatChecksum(progress.Checksum);
        BlockHash manifest = KvNaming.Manifest(keys[^1]);
        writes.Add(new KvBlock(manifest, PromptManifest.Encode(kvTokens)));
        await store.PutManyAsync(model.Fingerprint, Stream(writes)).ConfigureAwait(false);

        BlockHash[] leased = [.. keys, manifest];
        KvLease lease = await store.LeaseAsync(model.Fingerprint, leased, item.Suspended ? suspendedLeaseTtl : leaseTtl).ConfigureAwait(false);
        if (lease.Blocks < leased.Length)
        {
            await store.ReleaseAsync(lease).ConfigureAwait(false);
            throw new KvCacheException($"the KV cache held only {lease.Blocks} of the {leased.Length} blocks of the checkpoint just written");
        }
        if (progress.Lease is { } previous) await store.ReleaseAsync(previous).ConfigureAwait(false);
        progress.Lease = lease;
        return new KvRef(model.Fingerprint, layout.Layout, keys, item.KvTokens, new WorkerId(AppIds.KvCache), KvTier.Ram, lease.ExpiresAt, checksum);
    }

    private static async IAsyncEnumerable<KvBlock> Stream(List<KvBlock> blocks)
    {
        foreach (KvBlock block in blocks) yield return block;
        await Task.CompletedTask.ConfigureAwait(false);
    }
}
