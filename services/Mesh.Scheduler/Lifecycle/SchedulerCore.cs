using Mesh.Contracts;
using Mesh.Scheduler.Admission;
using Mesh.Scheduler.Placement;
using Mesh.Scheduler.Telemetry;
using Microsoft.Extensions.Logging;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>
/// Every request's life, as one synchronous state machine: admitted → (encoding →) prefilling → decoding (each of its
/// n choices on a decode worker, checkpointed as it goes, preempted and resumed when it is offline work) → done, with
/// retries under new attempts, cancellation, deadlines and lost workers. It takes one event at a time
/// (<see cref="Apply"/>) and answers with the messages to send; the scheduler loop is its only caller, so it needs no
/// locks, and tests drive it directly. Results of an attempt other than a stage's current one are stale and ignored.
/// The parts: admission and prefill here; choices, checkpoints and preemption in <c>SchedulerCore.Choices.cs</c>;
/// latency targets in <c>SchedulerCore.Targets.cs</c>; elastic roles in <c>SchedulerCore.Roles.cs</c>; the journal
/// and restart in <c>SchedulerCore.Recovery.cs</c>.
/// </summary>
public sealed partial class SchedulerCore(SchedulerOptions options, ILogger logger, SchedulerMetrics? metrics = null)
{
    /// <summary>Requests in flight by id.</summary>
    private readonly Dictionary<RequestId, RequestState> _requests = new();

    private readonly PlacementPolicy _policy = new(options);

    /// <summary>Workers heard from.</summary>
    public WorkerTable Workers { get; private set; } = new();

    /// <summary>What each worker's engine holds in its prefix cache.</summary>
    public PrefixIndex Prefixes { get; private set; } = new();

    /// <summary>Written by the loop, read by admission handlers on other threads.</summary>
    private volatile string? _fingerprint;

    /// <summary>Prompt tokens per second one prefill worker computes, as measured (0 until the first prefill).</summary>
    private double _prefillRate;

    /// <summary>The served model's fingerprint, learned from the KV references prefills return (null until the first).</summary>
    public string? Fingerprint => _fingerprint;

    /// <summary>Requests in flight.</summary>
    public int InFlight => _requests.Count;

    /// <summary>A request's state, or null when it is not in flight.</summary>
    public RequestState? Find(RequestId id) => _requests.GetValueOrDefault(id);

    /// <summary>Takes one event (an admitted request, a stage result, a cancellation, a load report, a tick) and adds the messages to send to <paramref name="output"/>.</summary>
    public void Apply(object message, DateTimeOffset now, List<Outbound> output)
    {
        switch (message)
        {
            case AdmittedRequest admitted: Admit(admitted, now, output); break;
            case PrefillDone done: OnPrefillDone(done, now, output); break;
            case DecodeCheckpoint checkpoint: OnCheckpoint(checkpoint, now, output); break;
            case Completed completed: OnCompleted(completed, now, output); break;
            case Failed failed: OnFailed(failed, now, output); break;
            case CancelRequest cancel: OnCancel(cancel, output); break;
            case WorkerLoadReport report: Workers.Report(report); Dispatch(now, output); break;
            case EncodeDone encoded: OnEncodeDone(encoded, output); break;
            case DeadLettered dead: OnDeadLettered(dead, output); break;
            case Tick: OnTick(now, output); break;
            default: throw new ArgumentException($"the scheduler has no handling for {message.GetType().Name}", nameof(message));
        }
    }

    private void Admit(AdmittedRequest admitted, DateTimeOffset now, List<Outbound> output)
    {
        if (_requests.ContainsKey(admitted.Id)) return;
        var state = new RequestState(admitted, now);
        if (admitted.Deadline <= now)
        {
            output.Add(Reply(state, new Failed(state.Envelope, FailureCodes.DeadlineExceeded, "the request's deadline had passed when it arrived", false)));
            return;
        }
        if (_requests.Values.Count(r => r.Phase == RequestPhase.Waiting) >= options.MaxWaitingRequests)
        {
            output.Add(Reply(state, new Failed(state.Envelope, FailureCodes.Overloaded,
                $"{options.MaxWaitingRequests} requests are already waiting for a worker; try again later", true, RetryAfterSeconds: 1)));
            return;
        }
        if (!state.IsOffline && RefuseForTtft(state, now) is { } refusal)
        {
            output.Add(Reply(state, refusal));
            metrics?.Refused();
            return;
        }
        _requests.Add(admitted.Id, state);
        Journal(state);
        Start(state, now, output);
    }

    /// <summary>First stage of an attempt: encode the media, else prefill.</summary>
    private void Start(RequestState state, DateTimeOffset now, List<Outbound> output)
    {
        state.Choices = [];
        state.HandOff = null;
        MediaRef[] media = state.Admitted.Media;
        if (media.Length == 0)
        {
            state.Phase = RequestPhase.Waiting;
            if (!state.IsOffline || !OnlineWaiting()) TryPrefill(state, now, output);
            return;
        }
        if (!Workers.AnyAlive(WorkerRole.Encode, now))
        {
            Fail(state, FailureCodes.InvalidRequest, $"the request has {media.Length} media items, but no encode worker is running", false, output);
            return;
        }
        state.Phase = RequestPhase.Encoding;
        state.MediaPending = media.Length;
        for (int i = 0; i < media.Length; i++)
            output.Add(new Outbound(Topics.Encode, new EncodeTask(state.Envelope, state.Admitted.Request.Model, i, media[i])));
    }

    /// <summary>Sends the prompt to the best prefill worker, or leaves the request waiting for one.</summary>
    private void TryPrefill(RequestState state, DateTimeOffset now, List<Outbound> output)
    {
        AdmittedRequest a = state.Admitted;
        if (state.NotBefore > now)
        {
            state.Phase = RequestPhase.Waiting;
            return;
        }
        IEnumerable<WorkerView> candidates = state.IsOffline
            ? Workers.All.Where(w => OfflinePrefills(w.Id) < options.OfflinePrefillsPerWorker)
            : Workers.All;
        WorkerView? worker = _policy.ChoosePrefill(candidates, a.Chain, a.TokenIds.Length, a.StoreCachedBlocks, Prefixes, now);
        if (worker is null)
        {
            state.Phase = RequestPhase.Waiting;
            return;
        }
        state.Phase = RequestPhase.Prefilling;
        state.Worker = worker.Id;
        state.PrefillSentAt = now;
        worker.PrefillsSent++;
        output.Add(new Outbound(Topics.ForWorker(Topics.Prefill, worker.Id),
            new PrefillTask(state.Envelope, a.Request.Model, a.TokenIds, a.Sampling)));
        logger.PrefillPlaced(state.Id, state.Attempt, worker.Id);
    }

    private void OnPrefillDone(PrefillDone done, DateTimeOffset now, List<Outbound> output)
    {
        if (!_requests.TryGetValue(done.Envelope.RequestId, out RequestState? state) || done.Envelope.Attempt != state.Attempt
            || state.Phase != RequestPhase.Prefilling) return;
        WorkerView? prefill = Workers.Find(done.Worker);
        LearnPrefillRate(state, done, prefill, now);
        Release(state);
        _fingerprint = done.Kv.ModelFingerprint;
        Prefixes.Record(done.Worker, state.Admitted.Chain, prefill?.TotalKvBlocks ?? state.Admitted.Chain.Length);
        state.HandOff = done;
        state.FirstTokenAt ??= now;
        if (!state.IsOffline) metrics?.FirstToken(now - state.AdmittedAt);
        state.Phase = RequestPhase.Decoding;
        state.Choices = [.. Enumerable.Range(0, Math.Max(1, state.Admitted.Sampling.N)).Select(i => new ChoiceState(i, state.Attempt))];
        Journal(state);
        int unplaced = 0;
        foreach (ChoiceState choice in state.Choices)
            if (_requests.ContainsKey(state.Id) && !TryDecode(state, choice, now, output)) unplaced++;
        if (!state.IsOffline) PreemptFor(unplaced, now, output);
    }

    private void OnFailed(Failed failed, DateTimeOffset now, List<Outbound> output)
    {
        if (!_requests.TryGetValue(failed.Envelope.RequestId, out RequestState? state)) return;
        if (state.Phase == RequestPhase.Decoding)
        {
            OnChoiceFailed(state, failed, now, output);
            return;
        }
        if (failed.Envelope.Attempt != state.Attempt) return;
        Release(state);
        if (state.Cancelled)
        {
            EndCancelled(state, output);
            return;
        }
        if (failed.Retryable) RetryOrFail(state, failed.Code, failed.Message, now, output);
        else Fail(state, failed.Code, failed.Message, false, output);
    }

    private void OnCancel(CancelRequest cancel, List<Outbound> output)
    {
        if (!_requests.TryGetValue(cancel.Envelope.RequestId, out RequestState? state)) return;
        state.Cancelled = true;
        switch (state.Phase)
        {
            case RequestPhase.Prefilling:
                output.Add(CancelOn(state.Worker!.Value, state.Envelope, cancel.Reason));
                break;
            case RequestPhase.Decoding:
                CancelChoices(state, cancel.Reason, output);
                return;
        }
        Release(state);
        EndCancelled(state, output);
    }

    private void OnEncodeDone(EncodeDone encoded, List<Outbound> output)
    {
        if (!_requests.TryGetValue(encoded.Envelope.RequestId, out RequestState? state) || encoded.Envelope.Attempt != state.Attempt
            || state.Phase != RequestPhase.Encoding) return;
        if (--state.MediaPending > 0) return;
        Fail(state, FailureCodes.InvalidRequest,
            "the request's media were encoded, but this build's prefill cannot take image embeddings yet; send text only", false, output);
    }

    private void OnDeadLettered(DeadLettered dead, List<Outbound> output)
    {
        MessageEnvelope e = dead.Message.Envelope;
        if (!_requests.TryGetValue(e.RequestId, out RequestState? state)) return;
        bool current = e.Attempt == state.Attempt || state.Choices.Any(c => c.Attempt == e.Attempt && c.Phase != ChoicePhase.Done);
        if (!current) return;
        Fail(state, FailureCodes.PoisonMessage,
            $"the request's {dead.Message.GetType().Name} kept failing on {dead.Topic} and was dead-lettered", false, output);
    }

    private void OnTick(DateTimeOffset now, List<Outbound> output)
    {
        metrics?.Observe(_requests.Values);
        foreach (WorkerView lost in Workers.RemoveExpired(now))
        {
            Prefixes.Forget(lost.Id);
            logger.WorkerLost(lost.Id);
            foreach (RequestState state in _requests.Values.ToArray())
            {
                if (state.Phase == RequestPhase.Prefilling && state.Worker == lost.Id)
                {
                    // A worker that is only slow, not dead, must not go on with the old attempt beside the new one.
                    output.Add(CancelOn(lost.Id, state.Envelope, "worker stopped reporting; the request is retried elsewhere"));
                    RetryOrFail(state, FailureCodes.WorkerLost, $"worker {lost.Id} stopped reporting while it ran the request", now, output);
                    continue;
                }
                foreach (ChoiceState choice in state.Choices.Where(c => c.Worker == lost.Id && c.Phase is ChoicePhase.Decoding or ChoicePhase.Suspending))
                {
                    if (!_requests.ContainsKey(state.Id)) break;
                    output.Add(CancelOn(lost.Id, state.EnvelopeOf(choice.Attempt), "worker stopped reporting; the choice resumes elsewhere", choice.Index));
                    MigrateChoice(state, choice, FailureCodes.WorkerLost, $"worker {lost.Id} stopped reporting while it decoded the request", now, output);
                }
            }
        }
        foreach (RequestState state in _requests.Values.Where(r => r.Phase == RequestPhase.Prefilling && r.PrefillSentAt + options.PrefillTimeout <= now).ToArray())
        {
            output.Add(CancelOn(state.Worker!.Value, state.Envelope, "prefill timed out; the request is retried elsewhere"));
            RetryOrFail(state, FailureCodes.WorkerLost, $"worker {state.Worker} did not finish the prefill within {options.PrefillTimeout.TotalSeconds:F0} s", now, output);
        }
        foreach (RequestState state in _requests.Values.Where(r => r.Admitted.Deadline <= now).ToArray())
        {
            CancelEverywhere(state, "deadline exceeded", output);
            Fail(state, FailureCodes.DeadlineExceeded, $"the request did not finish by its deadline ({state.Admitted.Deadline:O})", false, output);
        }
        foreach (RequestState state in _requests.Values.Where(r => r.Phase == RequestPhase.Decoding).ToArray())
        {
            if (!state.Choices.Any(c => c.Phase == ChoicePhase.AwaitingDecode && c.Checkpoint is null)) continue;
            if (state.HandOff!.Kv.LeaseExpiry > now) continue;
            RetryOrFail(state, FailureCodes.Overloaded, "no decode worker had room before the prompt's KV lease ran out", now, output);
        }
        BalanceRoles(now, output);
        Dispatch(now, output);
    }

    /// <summary>
    /// Places what waits: choices awaiting decode first (their KV is leased; online before offline, preempting offline
    /// decodes for online choices that find no room), then prompts, online before offline, oldest first.
    /// </summary>
    private void Dispatch(DateTimeOffset now, List<Outbound> output)
    {
        DispatchChoices(now, output);
        bool onlineWaiting = false;
        foreach (RequestState state in Ordered(RequestPhase.Waiting))
        {
            if (state.IsOffline && onlineWaiting) break;
            TryPrefill(state, now, output);
            if (state.Phase == RequestPhase.Waiting && !state.IsOffline) onlineWaiting = true;
        }
    }

    /// <summary>Requests in <paramref name="phase"/>, online first, then oldest first.</summary>
    private RequestState[] Ordered(RequestPhase phase) =>
        [.. _requests.Values.Where(r => r.Phase == phase).OrderBy(r => r.IsOffline).ThenBy(r => r.AdmittedAt)];

    private bool OnlineWaiting() => _requests.Values.Any(r => r.Phase == RequestPhase.Waiting && !r.IsOffline);

    private int OfflinePrefills(WorkerId worker) =>
        _requests.Values.Count(r => r.IsOffline && r.Phase == RequestPhase.Prefilling && r.Worker == worker);

    /// <summary>A new attempt from the first stage, or the end of the request when its attempts are used up.</summary>
    private void RetryOrFail(RequestState state, string code, string message, DateTimeOffset now, List<Outbound> output)
    {
        Release(state);
        if (state.Retries + 1 >= options.MaxAttempts)
        {
            Fail(state, code, $"{message} (after {state.Retries + 1} attempts)", true, output);
            return;
        }
        CancelChoicesQuietly(state, "the request is retried from its prompt", output);
        state.Retries++;
        state.Attempt++;
        state.NotBefore = now + Backoff(state.Retries);
        metrics?.Retried();
        logger.Retrying(state.Id, state.Attempt, code, message);
        Journal(state);
        Start(state, now, output);
    }

    /// <summary>The wait before retry <paramref name="retries"/>: the backoff, doubled per retry, at most 30 s.</summary>
    private TimeSpan Backoff(int retries) =>
        TimeSpan.FromTicks(Math.Min(options.RetryBackoff.Ticks * (1L << Math.Min(retries - 1, 20)), TimeSpan.FromSeconds(30).Ticks));

    /// <summary>Ends the request with a failure the client sees.</summary>
    private void Fail(RequestState state, string code, string message, bool retryable, List<Outbound> output)
    {
        Release(state);
        foreach (ChoiceState choice in state.Choices) ReleaseChoice(choice);
        output.Add(Reply(state, new Failed(state.Envelope, code, message, retryable)));
        Remove(state);
        logger.RequestFailed(state.Id, state.Attempt, code, message);
    }

    /// <summary>Ends a cancelled request: a cancelled completion for every choice that has not ended yet.</summary>
    private void EndCancelled(RequestState state, List<Outbound> output)
    {
        int n = Math.Max(1, state.Admitted.Sampling.N);
        for (int i = 0; i < n; i++)
        {
            if (i < state.Choices.Length && state.Choices[i].Phase == ChoicePhase.Done) continue;
            output.Add(Reply(state, new Completed(state.Envelope, i, FinishReason.Cancelled, new Usage(state.Admitted.TokenIds.Length, 0, 0))));
        }
        Remove(state);
    }

    /// <summary>Forgets the prefill the request's worker was running (its load count drops).</summary>
    private void Release(RequestState state)
    {
        if (state.Phase == RequestPhase.Prefilling && state.Worker is { } id && Workers.Find(id) is { } worker)
            worker.PrefillsSent = Math.Max(0, worker.PrefillsSent - 1);
        state.Worker = null;
    }

    private void Remove(RequestState state)
    {
        _requests.Remove(state.Id);
        Journal(state);
    }

    /// <summary>Stops whatever runs the request: its prefill, or every running choice.</summary>
    private void CancelEverywhere(RequestState state, string reason, List<Outbound> output)
    {
        if (state.Phase == RequestPhase.Prefilling && state.Worker is { } prefill) output.Add(CancelOn(prefill, state.Envelope, reason));
        CancelChoicesQuietly(state, reason, output);
    }

    private static Outbound CancelOn(WorkerId worker, MessageEnvelope envelope, string reason, int? choice = null, bool suspend = false) =>
        new(Topics.ForWorker(Topics.Cancellations, worker), new CancelRequest(envelope, reason, choice, suspend));

    private static Outbound Reply(RequestState state, ReplyMessage message) => new(state.Admitted.Request.ReplyTopic, message);
}
