using Mesh.Contracts;
using Mesh.Scheduler.Placement;
using Microsoft.Extensions.Logging;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>
/// The decode side: each choice of a prefilled request is placed on a decode worker, checkpointed as its KV reaches
/// the KV cache, migrated to another worker (from its last checkpoint) when its worker is lost or fails it, and, when
/// it is offline work, preempted for online choices that find no room and resumed later from its suspended checkpoint.
/// </summary>
public sealed partial class SchedulerCore
{
    /// <summary>Places choices awaiting decode, online first; preempts offline decodes for the online ones left without room.</summary>
    private void DispatchChoices(DateTimeOffset now, List<Outbound> output)
    {
        int onlineUnplaced = 0;
        foreach (RequestState state in Ordered(RequestPhase.Decoding))
        {
            if (state.IsOffline && onlineUnplaced > 0) break;
            if (state.NotBefore > now) continue;   // backing off after a retry: not short of room
            foreach (ChoiceState choice in state.Choices)
            {
                if (choice.Phase != ChoicePhase.AwaitingDecode || !_requests.ContainsKey(state.Id)) continue;
                if (!TryDecode(state, choice, now, output) && !state.IsOffline) onlineUnplaced++;
            }
        }
        PreemptFor(onlineUnplaced, now, output);
    }

    /// <summary>Preempts offline decodes for <paramref name="onlineUnplaced"/> online choices without room, less those already being preempted.</summary>
    private void PreemptFor(int onlineUnplaced, DateTimeOffset now, List<Outbound> output)
    {
        if (onlineUnplaced <= 0 || !options.Preemption) return;
        int suspending = _requests.Values.Sum(r => r.Choices.Count(c => c.Phase == ChoicePhase.Suspending));
        Preempt(onlineUnplaced - suspending, now, output);
    }

    /// <summary>Sends a choice to the decode worker that should take it; false when none can now.</summary>
    private bool TryDecode(RequestState state, ChoiceState choice, DateTimeOffset now, List<Outbound> output)
    {
        if (choice.Phase != ChoicePhase.AwaitingDecode) return true;
        if (state.NotBefore > now) return false;
        PrefillDone done = state.HandOff!;
        KvRef kv = choice.Checkpoint?.Kv ?? done.Kv;
        int total = done.PromptTokenCount + state.Admitted.Sampling.MaxTokens;
        WorkerView? worker = _policy.ChooseDecode(Workers.All, kv, total, now);
        if (worker is null)
        {
            if (kv.Tier == KvTier.Device)
                RetryOrFail(state, FailureCodes.WorkerLost, $"worker {kv.Owner}, which holds the prompt's KV, is gone", now, output);
            return false;
        }
        choice.Phase = ChoicePhase.Decoding;
        choice.Worker = worker.Id;
        worker.DecodesSent++;
        worker.BlocksSentSinceReport += _policy.BlocksFor(total);
        output.Add(new Outbound(Topics.ForWorker(Topics.Decode, worker.Id), BuildDecode(state, choice)));
        if (choice.Checkpoint is { } cp) logger.ChoiceResumed(state.Id, choice.Index, worker.Id, choice.Attempt, cp.TokenIds.Length);
        else logger.DecodePlaced(state.Id, choice.Attempt, worker.Id, kv.Tier);
        return true;
    }

    /// <summary>
    /// The decode task of a choice: from its checkpoint (the tokens so far, the next chunk number) when it has one, else
    /// from prefill's hand-off (choice 0 with prefill's first token; later choices sample their own first token).
    /// Choice i draws with seed + i, so choice 0 is what n = 1 gives.
    /// </summary>
    private static DecodeTask BuildDecode(RequestState state, ChoiceState choice)
    {
        var a = state.Admitted;
        PrefillDone done = state.HandOff!;
        SamplingParameters sampling = choice.Index == 0 ? a.Sampling : a.Sampling with { Seed = unchecked(a.Sampling.Seed!.Value + choice.Index) };
        MessageEnvelope envelope = state.EnvelopeOf(choice.Attempt);
        if (choice.Checkpoint is { } cp)
        {
            SampledToken first = choice.Index == 0 ? done.FirstToken : new SampledToken(cp.TokenIds[0], 0f);
            return new DecodeTask(envelope, a.Request.Model, cp.Kv, first, cp.TokenIds.Length, sampling, a.Request.ReplyTopic,
                cp.TokenIds[1..], cp.NextSequence, done.PromptTokenCount, done.CachedTokenCount, choice.Index);
        }
        return new DecodeTask(envelope, a.Request.Model, done.Kv, choice.Index == 0 ? done.FirstToken : null, choice.Index == 0 ? 1 : 0,
            sampling, a.Request.ReplyTopic, [], 0, done.PromptTokenCount, done.CachedTokenCount, choice.Index);
    }

    private void OnCheckpoint(DecodeCheckpoint checkpoint, DateTimeOffset now, List<Outbound> output)
    {
        if (!_requests.TryGetValue(checkpoint.Envelope.RequestId, out RequestState? state)) return;
        ChoiceState? choice = state.ChoiceOf(checkpoint.Envelope.Attempt, checkpoint.ChoiceIndex);
        if (choice is null || choice.Phase is ChoicePhase.Done or ChoicePhase.AwaitingDecode) return;
        if (!checkpoint.Suspended && choice.Checkpoint is { } latest && latest.TokenIds.Length >= checkpoint.TokenIds.Length) return;
        choice.Checkpoint = checkpoint;
        if (!checkpoint.Suspended)
        {
            Journal(state);
            return;
        }
        // Preempted: the worker stopped it after saving; it waits for room under a new attempt.
        ReleaseChoice(choice);
        if (state.Cancelled)
        {
            EndChoiceCancelled(state, choice, output);
            return;
        }
        choice.Phase = ChoicePhase.AwaitingDecode;
        choice.Attempt = ++state.Attempt;
        Journal(state);
        Dispatch(now, output);
    }

    /// <summary>
    /// A choice finished. Normal endings reached the client from the worker; a cancelled one (the client's cancel) is
    /// relayed here, because a worker cannot tell that from the scheduler superseding an attempt.
    /// </summary>
    private void OnCompleted(Completed completed, DateTimeOffset now, List<Outbound> output)
    {
        if (!_requests.TryGetValue(completed.Envelope.RequestId, out RequestState? state)) return;
        ChoiceState? choice = state.ChoiceOf(completed.Envelope.Attempt, completed.ChoiceIndex);
        if (choice is null || choice.Phase is not (ChoicePhase.Decoding or ChoicePhase.Suspending)) return;
        ReleaseChoice(choice);
        choice.Phase = ChoicePhase.Done;
        if (completed.FinishReason == FinishReason.Cancelled) output.Add(Reply(state, completed));
        else if (choice.Index == 0 && !state.IsOffline) RecordLatency(state, completed, now);
        if (state.Choices.All(c => c.Phase == ChoicePhase.Done)) Remove(state);
        else Journal(state);
        Dispatch(now, output);
    }

    /// <summary>A decode failed: retried from the checkpoint on another worker, or from the prompt, or the end.</summary>
    private void OnChoiceFailed(RequestState state, Failed failed, DateTimeOffset now, List<Outbound> output)
    {
        ChoiceState? choice = state.Choices.FirstOrDefault(c => c.Attempt == failed.Envelope.Attempt
            && (failed.ChoiceIndex is not { } index || c.Index == index)
            && c.Phase is ChoicePhase.Decoding or ChoicePhase.Suspending);
        if (choice is null) return;
        if (choice.Phase == ChoicePhase.Suspending && failed.Code == FailureCodes.Cancelled)
        {
            // Nothing ran to preempt: it finished meanwhile (its completion follows) or has not started; it runs on.
            choice.Phase = ChoicePhase.Decoding;
            return;
        }
        ReleaseChoice(choice);
        if (state.Cancelled)
        {
            EndChoiceCancelled(state, choice, output);
            return;
        }
        if (!failed.Retryable)
        {
            Fail(state, failed.Code, failed.Message, false, output);
            return;
        }
        if (failed.Code == FailureCodes.KvMismatch && choice.Checkpoint is null)
        {
            RetryOrFail(state, failed.Code, failed.Message, now, output);
            return;
        }
        // A checkpoint that does not check out is dropped: the choice starts again from prefill's KV.
        if (failed.Code == FailureCodes.KvMismatch) choice.Checkpoint = null;
        MigrateChoice(state, choice, failed.Code, failed.Message, now, output);
    }

    /// <summary>
    /// Moves a choice whose decode was lost to another worker under a new attempt, from its checkpoint or, without one,
    /// from prefill's KV; when neither can be read any more, the request starts again from its prompt.
    /// </summary>
    private void MigrateChoice(RequestState state, ChoiceState choice, string code, string message, DateTimeOffset now, List<Outbound> output)
    {
        ReleaseChoice(choice);
        if (state.Retries + 1 >= options.MaxAttempts)
        {
            Fail(state, code, $"{message} (after {state.Retries + 1} attempts)", true, output);
            return;
        }
        PrefillDone done = state.HandOff!;
        if (choice.Checkpoint is null && (done.Kv.Tier == KvTier.Device || done.Kv.LeaseExpiry <= now))
        {
            RetryOrFail(state, code, message, now, output);
            return;
        }
        state.Retries++;
        state.NotBefore = now + Backoff(state.Retries);
        choice.Phase = ChoicePhase.AwaitingDecode;
        choice.Attempt = ++state.Attempt;
        metrics?.Migrated();
        logger.Retrying(state.Id, choice.Attempt, code, message);
        Journal(state);
        TryDecode(state, choice, now, output);
    }

    /// <summary>
    /// Asks up to <paramref name="count"/> running offline decodes on live workers to save their state and stop; each
    /// resumes later from its suspended checkpoint. The newest offline requests go first.
    /// </summary>
    private void Preempt(int count, DateTimeOffset now, List<Outbound> output)
    {
        if (count <= 0) return;
        var victims = _requests.Values
            .Where(r => r.IsOffline && r.Phase == RequestPhase.Decoding)
            .OrderByDescending(r => r.AdmittedAt)
            .SelectMany(r => r.Choices.Where(c => c.Phase == ChoicePhase.Decoding && c.Worker is { } w
                && Workers.Find(w)?.IsAlive(now) == true).Select(c => (State: r, Choice: c)))
            .Take(count)
            .ToArray();
        foreach ((RequestState state, ChoiceState choice) in victims)
        {
            choice.Phase = ChoicePhase.Suspending;
            metrics?.Preempted();
            logger.Preempting(state.Id, choice.Index, choice.Worker!.Value);
            output.Add(CancelOn(choice.Worker!.Value, state.EnvelopeOf(choice.Attempt), "preempted for online work", choice.Index, suspend: true));
        }
    }

    /// <summary>The client cancelled: running choices are stopped (their cancelled completions are relayed), the others end now.</summary>
    private void CancelChoices(RequestState state, string reason, List<Outbound> output)
    {
        foreach (ChoiceState choice in state.Choices)
        {
            switch (choice.Phase)
            {
                case ChoicePhase.Decoding or ChoicePhase.Suspending:
                    if (!choice.Cancelling) output.Add(CancelOn(choice.Worker!.Value, state.EnvelopeOf(choice.Attempt), reason, choice.Index));
                    choice.Cancelling = true;
                    break;
                case ChoicePhase.AwaitingDecode:
                    EndChoiceCancelled(state, choice, output);
                    break;
            }
        }
        if (_requests.ContainsKey(state.Id) && state.Choices.All(c => c.Phase == ChoicePhase.Done)) Remove(state);
    }

    /// <summary>Stops every running choice without telling the client (the scheduler retries or fails the request).</summary>
    private void CancelChoicesQuietly(RequestState state, string reason, List<Outbound> output)
    {
        foreach (ChoiceState choice in state.Choices)
        {
            if (choice.Phase is ChoicePhase.Decoding or ChoicePhase.Suspending && choice.Worker is { } worker)
                output.Add(CancelOn(worker, state.EnvelopeOf(choice.Attempt), reason, choice.Index));
            ReleaseChoice(choice);
        }
    }

    private void EndChoiceCancelled(RequestState state, ChoiceState choice, List<Outbound> output)
    {
        choice.Phase = ChoicePhase.Done;
        output.Add(Reply(state, new Completed(state.EnvelopeOf(choice.Attempt), choice.Index, FinishReason.Cancelled,
            new Usage(state.Admitted.TokenIds.Length, choice.Checkpoint?.TokenIds.Length ?? 0, 0))));
        if (state.Choices.All(c => c.Phase == ChoicePhase.Done)) Remove(state);
    }

    /// <summary>Forgets the decode a choice's worker was running (its load count drops).</summary>
    private void ReleaseChoice(ChoiceState choice)
    {
        if (choice.Phase is ChoicePhase.Decoding or ChoicePhase.Suspending && choice.Worker is { } id && Workers.Find(id) is { } worker)
            worker.DecodesSent = Math.Max(0, worker.DecodesSent - 1);
        choice.Worker = null;
    }
}
