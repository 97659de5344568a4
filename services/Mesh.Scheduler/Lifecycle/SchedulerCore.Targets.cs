using Mesh.Contracts;
using Mesh.Scheduler.Placement;
using Microsoft.Extensions.Logging;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>
/// Latency targets: the prefill rate measured from finished prefills, the admission check that refuses an online
/// request whose first token cannot come within its TTFT target, and TTFT/TPOT/goodput accounting.
/// </summary>
public sealed partial class SchedulerCore
{
    /// <summary>Weight of the newest sample in the prefill-rate average.</summary>
    private const double RateSmoothing = 0.3;

    /// <summary>
    /// Null when the request may queue; otherwise the refusal (<see cref="FailureCodes.Overloaded"/> with a retry hint).
    /// Predicted TTFT = prompt tokens to compute for online requests not yet prefilled, this one included, over the
    /// measured per-worker prefill rate times the live prefill workers. Unknown rate (no prefill yet): admitted.
    /// </summary>
    private Failed? RefuseForTtft(RequestState state, DateTimeOffset now)
    {
        if (!options.AdmissionControl || _prefillRate <= 0) return null;
        int workers = Workers.All.Count(w => w.IsAlive(now) && w.Serves(WorkerRole.Prefill) && !w.Draining);
        if (workers == 0) return null;
        long queued = state.Admitted.TokenIds.Length;
        foreach (RequestState r in _requests.Values)
            if (!r.IsOffline && r.Phase is RequestPhase.Waiting or RequestPhase.Prefilling or RequestPhase.Encoding)
                queued += r.Admitted.TokenIds.Length - (long)r.Admitted.StoreCachedBlocks * options.BlockSize;
        TimeSpan predicted = TimeSpan.FromSeconds(queued / (_prefillRate * workers));
        TimeSpan target = TtftTarget(state);
        if (predicted <= target) return null;
        logger.AdmissionRefused(state.Id, predicted.TotalMilliseconds, target.TotalMilliseconds);
        double retryAfter = Math.Max(1, Math.Ceiling((predicted - target).TotalSeconds));
        return new Failed(state.Envelope, FailureCodes.Overloaded,
            $"the prompts queued ahead would put this request's first token at about {predicted.TotalSeconds:F1} s, past its {target.TotalSeconds:F1} s target; " +
            $"retry in {retryAfter:F0} s", true, RetryAfterSeconds: retryAfter);
    }

    /// <summary>
    /// One prefill's rate, as its worker saw it: prompt tokens it computed over the time it took, times the prefills it
    /// was running together (they share the worker), folded into the running average.
    /// </summary>
    private void LearnPrefillRate(RequestState state, PrefillDone done, WorkerView? worker, DateTimeOffset now)
    {
        double seconds = (now - state.PrefillSentAt).TotalSeconds;
        int computed = done.PromptTokenCount - done.CachedTokenCount;
        if (seconds <= 0 || computed <= 0) return;
        double sample = computed * Math.Max(1, worker?.PrefillLoad ?? 1) / seconds;
        _prefillRate = _prefillRate <= 0 ? sample : (1 - RateSmoothing) * _prefillRate + RateSmoothing * sample;
    }

    /// <summary>TPOT of a finished online choice 0, and whether the request met both its targets (goodput).</summary>
    private void RecordLatency(RequestState state, Completed completed, DateTimeOffset now)
    {
        if (state.FirstTokenAt is not { } first) return;
        TimeSpan ttft = first - state.AdmittedAt;
        int tokens = completed.Usage.CompletionTokens;
        TimeSpan tpot = tokens > 1 ? (now - first) / (tokens - 1) : TimeSpan.Zero;
        if (tokens > 1) metrics?.TokenTime(tpot);
        metrics?.Finished(ttft <= TtftTarget(state) && tpot <= TpotTarget(state));
    }

    private TimeSpan TtftTarget(RequestState state) =>
        state.Admitted.Request.Targets?.TtftMs is { } ms ? TimeSpan.FromMilliseconds(ms) : options.TtftTarget;

    private TimeSpan TpotTarget(RequestState state) =>
        state.Admitted.Request.Targets?.TpotMs is { } ms ? TimeSpan.FromMilliseconds(ms) : options.TpotTarget;
}
