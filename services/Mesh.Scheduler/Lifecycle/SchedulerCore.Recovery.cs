using Mesh.Contracts;
using Mesh.Scheduler.Journal;
using Mesh.Scheduler.Placement;
using Microsoft.Extensions.Logging;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>
/// Surviving a restart: every change to a request marks it for the journal (the loop writes the marked entries after
/// each event), and <see cref="Recover"/> rebuilds the requests from the journal's entries, each under a new attempt:
/// a prefilled request's choices resume from their checkpoints (or prefill's KV), the others start from the prompt.
/// </summary>
public sealed partial class SchedulerCore
{
    /// <summary>Requests changed since the loop last wrote the journal.</summary>
    private readonly HashSet<RequestId> _journalDirty = [];

    private void Journal(RequestState state) => _journalDirty.Add(state.Id);

    /// <summary>The journal writes due: an entry per request changed and still in flight, null for one that ended. Clears the marks.</summary>
    public void TakeJournalChanges(List<(RequestId Id, JournalEntry? Entry)> changes)
    {
        foreach (RequestId id in _journalDirty)
            changes.Add((id, _requests.TryGetValue(id, out RequestState? state) ? EntryOf(state) : null));
        _journalDirty.Clear();
    }

    /// <summary>Forgets everything in memory, as a scheduler process that died would (requests, workers, prefixes, rates).</summary>
    public void Reset()
    {
        _requests.Clear();
        _journalDirty.Clear();
        Workers = new WorkerTable();
        Prefixes = new PrefixIndex();
        _prefillRate = 0;
        _fingerprint = null;
    }

    /// <summary>
    /// Takes back the journal's requests. Workers that ran their old attempts are told to stop them (a new attempt
    /// supersedes them anyway); work is placed as workers report in.
    /// </summary>
    public void Recover(IReadOnlyList<JournalEntry> entries, DateTimeOffset now, List<Outbound> output)
    {
        foreach (JournalEntry entry in entries)
        {
            if (_requests.ContainsKey(entry.Admitted.Id)) continue;
            var state = new RequestState(entry.Admitted, entry.AdmittedAt) { Attempt = entry.Attempt + 1, Retries = entry.Retries };
            _requests.Add(state.Id, state);
            const string reason = "the scheduler restarted; the request continues under a new attempt";
            if (entry.PrefillWorker is { } prefill) output.Add(CancelOn(prefill, state.EnvelopeOf(entry.Attempt), reason));
            foreach (ChoiceRecord c in entry.Choices)
                if (!c.Done && c.Worker is { } worker) output.Add(CancelOn(worker, state.EnvelopeOf(c.Attempt), reason, c.Index));

            if (entry.HandOff is { } handOff && handOff.Kv.Tier != KvTier.Device && entry.Choices.Length > 0)
            {
                state.HandOff = handOff;
                state.Phase = RequestPhase.Decoding;
                state.Choices = [.. entry.Choices.Select(c => new ChoiceState(c.Index, c.Done ? c.Attempt : ++state.Attempt)
                {
                    Phase = c.Done ? ChoicePhase.Done : ChoicePhase.AwaitingDecode,
                    Checkpoint = c.Checkpoint,
                })];
            }
            else
            {
                Start(state, now, output);
            }
            Journal(state);
        }
        logger.Recovered(entries.Count);
        Dispatch(now, output);
    }

    private static JournalEntry EntryOf(RequestState state) => new(
        state.Admitted,
        state.AdmittedAt,
        state.Attempt,
        state.Retries,
        state.Phase == RequestPhase.Prefilling ? state.Worker : null,
        state.HandOff,
        [.. state.Choices.Select(c => new ChoiceRecord(c.Index, c.Attempt, c.Phase == ChoicePhase.Done, c.Worker, c.Checkpoint))]);
}
