using System.IO.Hashing;
using Mesh.Contracts;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.KvCache;
using Mesh.ServiceDefaults.Bus;
using Mesh.Workers.Engine;
using Mesh.Workers.Hosting;
using Mesh.Workers.Kv;

namespace Mesh.Workers.Decode;

/// <summary>
/// Decode on one worker. A <see cref="DecodeTask"/> is checked (model, fingerprint, layout; then the KV itself:
/// token manifest against the chain, every block present, checksum), the first token is streamed, and the sequence
/// is resumed in the engine from the KV, where it joins every other sequence of the worker in one continuous batch.
/// The handler returns once the sequence runs; chunks and the completion are published as the engine produces them.
/// Any KV that does not check out fails the stage with <c>kv_mismatch</c> (retryable): the scheduler recomputes.
/// </summary>
internal sealed class DecodeRole(EngineWorker worker)
{
    /// <summary>Decode tasks being checked and resumed now (for the load report).</summary>
    private int _admitting;

    /// <summary>Decode tasks being admitted now.</summary>
    public int Admitting => Volatile.Read(ref _admitting);

    public async Task<HandlerResult> HandleAsync(DecodeTask task, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _admitting);
        try
        {
            await StartAsync(task, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            StageFailure failure = StageFailure.From(ex);
            if (failure.Code == FailureCodes.Internal) worker.Logger.StageFaulted(ex, "decode", task.Envelope.RequestId, task.Envelope.Attempt, worker.Id);
            await worker.FailStageAsync("decode", task.Envelope, failure, cancellationToken, task.ChoiceIndex).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _admitting);
        }
        return HandlerResult.Success;
    }

    private async Task StartAsync(DecodeTask task, CancellationToken cancellationToken)
    {
        worker.CheckModel(task.Model);
        DecodeStart start = StartOf(task);
        SamplingParams sampling = EngineWorker.Sampling(task.Sampling);
        ulong salt = KvNaming.TenantSalt(task.Envelope.TenantId);
        CheckReference(task.Kv);

        var stream = new DecodeStream(task, worker.Model.Model.Tokenizer);
        if (start == DecodeStart.Fresh)
        {
            FirstTokenOutcome first = FirstTokenOutcome.Of(task.FirstToken!.TokenId, sampling, worker.Model.Model.Tokenizer);
            if (first.Finish is not null)
            {
                if (task.Kv.Tier == KvTier.Device)
                    await worker.Host.InvokeAsync(s => TakeHeld(s, task, salt, finishing: true), cancellationToken).ConfigureAwait(false);
                await worker.Replies.EnqueueAsync(new FirstTokenItem(stream, task.FirstToken, first), cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        ResumePoint resume = task.Kv.Tier == KvTier.Device
            ? await worker.Host.InvokeAsync(s => TakeHeld(s, task, salt, finishing: false), cancellationToken).ConfigureAwait(false)
            : await FetchAsync(task, salt, cancellationToken).ConfigureAwait(false);
        await worker.Host.InvokeAsync(s => Resume(s, stream, start, resume, sampling, salt), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Layout (KV type and shape), fingerprint and block count must be this worker's.</summary>
    private void CheckReference(KvRef kv)
    {
        KvBlockLayout layout = worker.Model.Kv;
        if (kv.Layout != layout.Layout)
            throw new KvMismatchException($"its layout {kv.Layout} is not this worker's ({layout.Layout})");
        if (!string.Equals(kv.ModelFingerprint, worker.Model.Fingerprint, StringComparison.Ordinal))
            throw new KvMismatchException($"its model fingerprint {kv.ModelFingerprint} is not this worker's ({worker.Model.Fingerprint})");
        if (kv.TokenCount < 1 || kv.Blocks.Length != layout.BlocksFor(kv.TokenCount))
            throw new KvMismatchException($"it lists {kv.Blocks.Length} blocks for {kv.TokenCount} tokens in blocks of {layout.BlockSize}");
        if (kv.Tier == KvTier.Device && kv.Owner != worker.Id)
            throw new KvMismatchException($"its KV is in the device memory of worker {kv.Owner}, not this one ({worker.Id})");
    }

    /// <summary>
    /// Colocated: the KV this worker's prefill kept. Checked against the reference (tokens, keys, checksum) and copied
    /// out for the resume; the last choice to take it releases it. When the first token already ends the choice, only taken.
    /// </summary>
    private ResumePoint TakeHeld(EngineSession session, DecodeTask task, ulong salt, bool finishing)
    {
        MessageEnvelope e = task.Envelope;
        if (StartOf(task) == DecodeStart.Continue)
            throw new KvMismatchException("a decode continuing from a checkpoint must read its KV from the KV cache, not a worker's device memory");
        (long id, bool last) = session.TakeHeld(e.RequestId, e.Attempt)
            ?? throw new KvMismatchException($"no KV is held here for request {e.RequestId} attempt {e.Attempt}: it expired or was released");
        try
        {
            if (finishing) return new ResumePoint([], 0, []);
            HeldSequence held = session.Engine.Held(id) ?? throw new KvMismatchException($"the engine no longer holds sequence {id}");
            KvRef kv = task.Kv;
            KvBlockLayout layout = worker.Model.Kv;
            if (held.KvTokens != kv.TokenCount || held.PromptLength != task.PromptTokenCount
                || (task.FirstToken is { } first && held.Tokens[^1] != first.TokenId))
                throw new KvMismatchException($"the held sequence ({held.PromptLength} prompt tokens, {held.KvTokens} with KV) is not the one referenced");
            BlockHash[] keys = KvNaming.SequenceBlocks(held.Tokens.AsSpan(0, held.KvTokens), layout.BlockSize, salt, e.RequestId, e.Attempt);
            if (!keys.AsSpan().SequenceEqual(kv.Blocks)) throw new KvMismatchException("the held sequence's block keys are not the referenced ones");
            var checksum = new XxHash64();
            var blocks = new ReadOnlyMemory<byte>[keys.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                ReadOnlySpan<byte> block = session.Engine.BlockData(held.Blocks[i]);
                layout.AppendChecksum(checksum, block, layout.UsedSlots(i, held.KvTokens));
                blocks[i] = block.ToArray();
            }
            CheckChecksum(kv, checksum);
            return new ResumePoint(held.Tokens[..held.KvTokens], held.KvTokens, blocks);
        }
        finally
        {
            if (last) session.Engine.ReleaseHeld(id);
        }
    }

    /// <summary>Disaggregated, or continuing from a checkpoint: the token manifest and every block from the KV cache, checked.</summary>
    private async Task<ResumePoint> FetchAsync(DecodeTask task, ulong salt, CancellationToken cancellationToken)
    {
        IKvBlockStore store = worker.Store ?? throw new KvMismatchException("this worker has no KV cache to read the referenced KV from");
        KvRef kv = task.Kv;
        KvBlockLayout layout = worker.Model.Kv;
        ReadOnlyMemory<byte>? manifest = await store.TryGetAsync(kv.ModelFingerprint, KvNaming.Manifest(kv.Blocks[^1]), cancellationToken)
            .ConfigureAwait(false);
        if (manifest is not { } manifestBytes) throw new KvMismatchException("its token manifest is no longer in the KV cache");
        int[] tokens = PromptManifest.Decode(manifestBytes.Span);
        PromptManifest.Verify(tokens, kv, salt);

        var checksum = new XxHash64();
        var blocks = new List<ReadOnlyMemory<byte>>(kv.Blocks.Length);
        await foreach (KvBlock block in store.GetManyAsync(kv.ModelFingerprint, kv.Blocks, cancellationToken).ConfigureAwait(false))
        {
            int i = blocks.Count;
            if (block.Hash != kv.Blocks[i]) break;
            byte[] data = layout.Import(block.Data.Span);
            layout.AppendChecksum(checksum, data, layout.UsedSlots(i, kv.TokenCount));
            blocks.Add(data);
        }
        if (blocks.Count < kv.Blocks.Length)
            throw new KvMismatchException($"block {blocks.Count} ({kv.Blocks[blocks.Count]}) is no longer in the KV cache");
        CheckChecksum(kv, checksum);
        return new ResumePoint(tokens, kv.TokenCount, blocks);
    }

    private static void CheckChecksum(KvRef kv, XxHash64 checksum)
    {
        string actual = KvBlockLayout.FormatChecksum(checksum);
        if (!string.Equals(actual, kv.Checksum, StringComparison.Ordinal))
            throw new KvMismatchException($"its checksum is {kv.Checksum} but the blocks read give {actual}");
    }

    /// <summary>
    /// Continues the sequence in the engine from the KV and observes it. A fresh hand-off replays the first token
    /// through the engine's text decoder and stop matcher, and its text becomes the first chunk, queued before any
    /// output of the sequence can be. A choice after the first recomputes the last prompt position and samples its
    /// own first token. A continuation replays every generated token and streams only what comes after them.
    /// </summary>
    private long Resume(EngineSession session, DecodeStream stream, DecodeStart start, ResumePoint point, SamplingParams sampling, ulong salt)
    {
        DecodeTask task = stream.Task;
        MessageEnvelope e = task.Envelope;
        // A newer attempt of this choice supersedes whatever an older one still runs here (the scheduler presumed it lost).
        if (e.Attempt > 0) session.CancelRequest(e.RequestId, e.Attempt - 1, task.ChoiceIndex);
        int promptLength = task.PromptTokenCount;
        if (point.KvTokens < promptLength - 1 || point.KvTokens > point.Tokens.Length)
            throw new KvMismatchException($"it covers {point.KvTokens} positions but the prompt has {promptLength} tokens");
        int[] known = start switch
        {
            DecodeStart.SampleFirst => [],
            DecodeStart.Fresh => [task.FirstToken!.TokenId],
            _ => [task.FirstToken!.TokenId, .. task.GeneratedTokenIds],
        };
        int[] tokens = [.. point.Tokens.AsSpan(0, Math.Min(promptLength, point.Tokens.Length)), .. known];
        if (tokens.Length < point.KvTokens || !point.Tokens.AsSpan(0, point.KvTokens).SequenceEqual(tokens.AsSpan(0, point.KvTokens)))
            throw new KvMismatchException("the tokens its KV covers are not the prompt and tokens this decode continues from");

        int kvTokens = point.KvTokens;
        IReadOnlyList<ReadOnlyMemory<byte>> blocks = point.Blocks;
        if (start == DecodeStart.SampleFirst)
        {
            // The first token's logits come from the last prompt position, so its KV is recomputed.
            kvTokens = promptLength - 1;
            blocks = [.. point.Blocks.Take(worker.Model.Kv.BlocksFor(kvTokens))];
        }
        int emitted = start == DecodeStart.Fresh ? 0 : tokens.Length - promptLength;
        (long id, string text) = session.Engine.Resume(tokens, promptLength, kvTokens, blocks, sampling, emitted, salt);
        FirstTokenItem? first = null;
        if (start == DecodeStart.Fresh)
        {
            first = new FirstTokenItem(stream, task.FirstToken!, new FirstTokenOutcome(text, null, false));
            if (worker.Replies.TryEnqueue(first)) first = null;
        }
        // Colocated workers are the no-transfer baseline: they do not checkpoint (a lost one's requests restart from the
        // prompt); preemption still saves their KV.
        int checkpointEvery = worker.Store is null || worker.ServesNow(WorkerRole.Prefill) ? 0 : worker.Options.CheckpointBlocks;
        session.Observe(id, new DecodeObserver(stream, worker.Replies, first, session, id, checkpointEvery, worker.Model.Kv.BlockSize));
        return id;
    }

    /// <summary>
    /// Preempts the decode of (request, attempt, choice): takes its checkpoint (every KV block, the partial last one
    /// included), stops it silently and queues the checkpoint, which the reply publisher saves and reports as suspended.
    /// False when no such decode runs here.
    /// </summary>
    public async Task<bool> SuspendAsync(CancelRequest cancel, CancellationToken cancellationToken)
    {
        MessageEnvelope e = cancel.Envelope;
        int choice = cancel.ChoiceIndex ?? 0;
        CheckpointItem? item = await worker.Host.InvokeAsync(s =>
        {
            if (s.FindDecode(e.RequestId, e.Attempt, choice) is not ({ } id, DecodeObserver observer)) return null;
            CheckpointItem? checkpoint = observer.Checkpoint(suspend: true);
            s.Drop(id);
            return checkpoint;
        }, cancellationToken).ConfigureAwait(false);
        if (item is null) return false;
        await worker.Replies.EnqueueAsync(item, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The start a task asks for.</summary>
    /// <exception cref="StageFailure">A continuation without its first token.</exception>
    internal static DecodeStart StartOf(DecodeTask task)
    {
        bool continues = task.GeneratedTokenIds.Length > 0 || task.NextSequence > 0;
        if (task.FirstToken is null)
            return continues ? throw StageFailure.Invalid("a decode continuing from a checkpoint needs its first token") : DecodeStart.SampleFirst;
        return continues ? DecodeStart.Continue : DecodeStart.Fresh;
    }

    /// <summary>Where a resumed sequence starts: the tokens whose KV the blocks hold (at least), how many positions have KV, and those blocks.</summary>
    private sealed record ResumePoint(int[] Tokens, int KvTokens, IReadOnlyList<ReadOnlyMemory<byte>> Blocks);
}

/// <summary>How a decode task starts.</summary>
internal enum DecodeStart
{
    /// <summary>From prefill's hand-off, with prefill's first token (chunk 0).</summary>
    Fresh,

    /// <summary>A choice after the first: from prefill's KV, sampling its own first token.</summary>
    SampleFirst,

    /// <summary>From a checkpoint: tokens were generated and streamed before.</summary>
    Continue,
}
