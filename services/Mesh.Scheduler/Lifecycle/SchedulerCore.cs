using Mesh.Contracts;
using Mesh.Scheduler.Admission;
using Mesh.Scheduler.Placement;
using Microsoft.Extensions.Logging;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>
/// Every request's life, as one synchronous state machine: admitted → (encoding →) prefilling → (awaiting decode →)
/// decoding → done, with retries under a new attempt, cancellation, deadlines and lost workers. It takes one event at
/// a time (<see cref="Apply"/>) and answers with the messages to send; the scheduler loop is its only caller, so it
/// needs no locks, and tests drive it directly. Results of an attempt other than a request's current one are stale
/// and ignored.
/// </summary>
public sealed class SchedulerCore(SchedulerOptions options, ILogger logger)
{
    /// <summary>Requests in flight by id.</summary>
    private readonly Dictionary<RequestId, RequestState> _requests = new();

    private readonly PlacementPolicy _policy = new(options);

    /// <summary>Workers heard from.</summary>
    public WorkerTable Workers { get; } = new();

    /// <summary>What each worker's engine holds in its prefix cache.</summary>
    public PrefixIndex Prefixes { get; } = new();

    /// <summary>Written by the loop, read by admission handlers on other threads.</summary>
    private volatile string? _fingerprint;

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
            case Completed completed: OnCompleted(completed, output); break;
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
                $"{options.MaxWaitingRequests} requests are already waiting for a worker; try again later", true)));
            return;
        }
        _requests.Add(admitted.Id, state);
        Start(state, now, output);
    }

    /// <summary>First stage of an attempt: encode the media, else prefill.</summary>
    private void Start(RequestState state, DateTimeOffset now, List<Outbound> output)
    {
        MediaRef[] media = state.Admitted.Media;
        if (media.Length == 0)
        {
            TryPrefill(state, now, output);
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
        WorkerView? worker = _policy.ChoosePrefill(Workers.All, a.Chain, a.TokenIds.Length, a.StoreCachedBlocks, Prefixes, now);
        if (worker is null)
        {
            state.Phase = RequestPhase.Waiting;
            return;
        }
        state.Phase = RequestPhase.Prefilling;
        state.Worker = worker.Id;
        worker.PrefillsSent++;
        output.Add(new Outbound(Topics.ForWorker(Topics.Prefill, worker.Id),
            new PrefillTask(state.Envelope, a.Request.Model, a.TokenIds, a.Sampling)));
        logger.PrefillPlaced(state.Id, state.Attempt, worker.Id);
    }

    private void OnPrefillDone(PrefillDone done, DateTimeOffset now, List<Outbound> output)
    {
        if (!IsCurrent(done.Envelope, RequestPhase.Prefilling, out RequestState? state)) return;
        Release(state);
        _fingerprint = done.Kv.ModelFingerprint;
        WorkerView? prefill = Workers.Find(done.Worker);
        Prefixes.Record(done.Worker, state.Admitted.Chain, prefill?.TotalKvBlocks ?? state.Admitted.Chain.Length);
        state.HandOff = done;
        state.Phase = RequestPhase.AwaitingDecode;
        TryDecode(state, now, output);
    }

    /// <summary>Sends the hand-off to the decode worker that should take it, or leaves it waiting for one.</summary>
    private void TryDecode(RequestState state, DateTimeOffset now, List<Outbound> output)
    {
        PrefillDone done = state.HandOff!;
        AdmittedRequest a = state.Admitted;
        int total = done.PromptTokenCount + a.Sampling.MaxTokens;
        WorkerView? worker = _policy.ChooseDecode(Workers.All, done.Kv, total, now);
        if (worker is null)
        {
            if (done.Kv.Tier == KvTier.Device)
                RetryOrFail(state, FailureCodes.WorkerLost, $"worker {done.Kv.Owner}, which holds the prompt's KV, is gone", now, output);
            return;
        }
        state.Phase = RequestPhase.Decoding;
        state.Worker = worker.Id;
        state.HandOff = null;
        worker.DecodesSent++;
        worker.BlocksSentSinceReport += _policy.BlocksFor(total);
        output.Add(new Outbound(Topics.ForWorker(Topics.Decode, worker.Id), new DecodeTask(
            state.Envelope, a.Request.Model, done.Kv, done.FirstToken, SamplerPosition: 1, a.Sampling, a.Request.ReplyTopic,
            GeneratedTokenIds: [], NextSequence: 0, done.PromptTokenCount, done.CachedTokenCount)));
        logger.DecodePlaced(state.Id, state.Attempt, worker.Id, done.Kv.Tier);
    }

    /// <summary>
    /// A decode finished. Normal endings reached the client from the worker; a cancelled one (the client's cancel of the
    /// current attempt) is relayed here, because a worker cannot tell that from the scheduler superseding an attempt.
    /// </summary>
    private void OnCompleted(Completed completed, List<Outbound> output)
    {
        if (!IsCurrent(completed.Envelope, RequestPhase.Decoding, out RequestState? state)) return;
        Release(state);
        if (completed.FinishReason == FinishReason.Cancelled) output.Add(Reply(state, completed));
        _requests.Remove(state.Id);
    }

    private void OnFailed(Failed failed, DateTimeOffset now, List<Outbound> output)
    {
        if (!_requests.TryGetValue(failed.Envelope.RequestId, out RequestState? state) || failed.Envelope.Attempt != state.Attempt) return;
        Release(state);
        if (state.Cancelled)
        {
            output.Add(Reply(state, CancelledCompletion(state)));
            _requests.Remove(state.Id);
            return;
        }
        if (failed.Retryable) RetryOrFail(state, failed.Code, failed.Message, now, output);
        else Fail(state, failed.Code, failed.Message, false, output);
    }

    private void OnCancel(CancelRequest cancel, List<Outbound> output)
    {
        if (!_requests.TryGetValue(cancel.Envelope.RequestId, out RequestState? state)) return;
        switch (state.Phase)
        {
            case RequestPhase.Decoding:
                // The decode worker stops the sequence and reports a cancelled completion, which is relayed to the client.
                if (!state.Cancelled) output.Add(CancelOn(state.Worker!.Value, state, cancel.Reason));
                state.Cancelled = true;
                return;
            case RequestPhase.Prefilling:
                output.Add(CancelOn(state.Worker!.Value, state, cancel.Reason));
                break;
            case RequestPhase.AwaitingDecode when state.HandOff!.Kv.Tier == KvTier.Device:
                output.Add(CancelOn(state.HandOff.Kv.Owner, state, cancel.Reason));
                break;
        }
        Release(state);
        output.Add(Reply(state, CancelledCompletion(state)));
        _requests.Remove(state.Id);
    }

    private void OnEncodeDone(EncodeDone encoded, List<Outbound> output)
    {
        if (!IsCurrent(encoded.Envelope, RequestPhase.Encoding, out RequestState? state)) return;
        if (--state.MediaPending > 0) return;
        Fail(state, FailureCodes.InvalidRequest,
            "the request's media were encoded, but this build's prefill cannot take image embeddings yet; send text only", false, output);
    }

    private void OnDeadLettered(DeadLettered dead, List<Outbound> output)
    {
        MessageEnvelope e = dead.Message.Envelope;
        if (!_requests.TryGetValue(e.RequestId, out RequestState? state) || e.Attempt != state.Attempt) return;
        Fail(state, FailureCodes.PoisonMessage,
            $"the request's {dead.Message.GetType().Name} kept failing on {dead.Topic} and was dead-lettered", false, output);
    }

    private void OnTick(DateTimeOffset now, List<Outbound> output)
    {
        foreach (WorkerView lost in Workers.RemoveExpired(now))
        {
            Prefixes.Forget(lost.Id);
            logger.WorkerLost(lost.Id);
            foreach (RequestState state in _requests.Values.Where(r => r.Worker == lost.Id).ToArray())
            {
                // A worker that is only slow, not dead, must not go on streaming the old attempt beside the new one.
                output.Add(CancelOn(lost.Id, state, "worker stopped reporting; the request is retried elsewhere"));
                RetryOrFail(state, FailureCodes.WorkerLost, $"worker {lost.Id} stopped reporting while it ran the request", now, output);
            }
        }
        foreach (RequestState state in _requests.Values.Where(r => r.Admitted.Deadline <= now).ToArray())
        {
            if (state.Phase is RequestPhase.Prefilling or RequestPhase.Decoding) output.Add(CancelOn(state.Worker!.Value, state, "deadline exceeded"));
            Fail(state, FailureCodes.DeadlineExceeded, $"the request did not finish by its deadline ({state.Admitted.Deadline:O})", false, output);
        }
        foreach (RequestState state in _requests.Values.Where(r => r.Phase == RequestPhase.AwaitingDecode && r.HandOff!.Kv.LeaseExpiry <= now).ToArray())
            RetryOrFail(state, FailureCodes.Overloaded, "no decode worker had room before the prompt's KV lease ran out", now, output);
        Dispatch(now, output);
    }

    /// <summary>Places what waits: hand-offs first (their KV is leased), then prompts, oldest first.</summary>
    private void Dispatch(DateTimeOffset now, List<Outbound> output)
    {
        foreach (RequestState state in _requests.Values.Where(r => r.Phase == RequestPhase.AwaitingDecode).OrderBy(r => r.AdmittedAt).ToArray())
            TryDecode(state, now, output);
        foreach (RequestState state in _requests.Values.Where(r => r.Phase == RequestPhase.Waiting).OrderBy(r => r.AdmittedAt).ToArray())
        {
            TryPrefill(state, now, output);
            if (state.Phase == RequestPhase.Waiting) break;
        }
    }

    /// <summary>A new attempt from the first stage, or the end of the request when its attempts are used up.</summary>
    private void RetryOrFail(RequestState state, string code, string message, DateTimeOffset now, List<Outbound> output)
    {
        Release(state);
        if (state.Retries + 1 >= options.MaxAttempts)
        {
            Fail(state, code, $"{message} (after {state.Retries + 1} attempts)", true, output);
            return;
        }
        state.Retries++;
        state.Attempt++;
        state.HandOff = null;
        logger.Retrying(state.Id, state.Attempt, code, message);
        Start(state, now, output);
    }

    /// <summary>Ends the request with a failure the client sees.</summary>
    private void Fail(RequestState state, string code, string message, bool retryable, List<Outbound> output)
    {
        Release(state);
        output.Add(Reply(state, new Failed(state.Envelope, code, message, retryable)));
        _requests.Remove(state.Id);
        logger.RequestFailed(state.Id, state.Attempt, code, message);
    }

    /// <summary>Forgets the stage the request's worker was running (its load counts drop).</summary>
    private void Release(RequestState state)
    {
        if (state.Worker is { } id && Workers.Find(id) is { } worker)
        {
            if (state.Phase == RequestPhase.Prefilling) worker.PrefillsSent = Math.Max(0, worker.PrefillsSent - 1);
            else if (state.Phase == RequestPhase.Decoding) worker.DecodesSent = Math.Max(0, worker.DecodesSent - 1);
        }
        state.Worker = null;
    }

    private bool IsCurrent(MessageEnvelope envelope, RequestPhase phase, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RequestState? state) =>
        _requests.TryGetValue(envelope.RequestId, out state) && envelope.Attempt == state.Attempt && state.Phase == phase;

    private static Outbound CancelOn(WorkerId worker, RequestState state, string reason) =>
        new(Topics.ForWorker(Topics.Cancellations, worker), new CancelRequest(state.Envelope, reason));

    private static Outbound Reply(RequestState state, ReplyMessage message) => new(state.Admitted.Request.ReplyTopic, message);

    private static Completed CancelledCompletion(RequestState state) =>
        new(state.Envelope, 0, FinishReason.Cancelled, new Usage(state.Admitted.TokenIds.Length, 0, 0));
}
