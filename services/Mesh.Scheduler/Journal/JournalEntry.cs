using Mesh.Contracts;
using Mesh.Scheduler.Admission;

namespace Mesh.Scheduler.Journal;

/// <summary>
/// What the scheduler must know of an accepted request to carry on with it after a restart: the admitted request,
/// its attempt counter, prefill's hand-off once there is one, and each choice's progress (its latest checkpoint).
/// </summary>
/// <param name="Admitted">The tokenized request.</param>
/// <param name="AdmittedAt">When it was first admitted.</param>
/// <param name="Attempt">The newest attempt issued for it.</param>
/// <param name="Retries">Retries used so far.</param>
/// <param name="PrefillWorker">The worker running its prefill, if it was prefilling.</param>
/// <param name="HandOff">Prefill's result, once prefilled.</param>
/// <param name="Choices">Each choice's progress, once prefilled.</param>
public sealed record JournalEntry(
    AdmittedRequest Admitted,
    DateTimeOffset AdmittedAt,
    int Attempt,
    int Retries,
    WorkerId? PrefillWorker,
    PrefillDone? HandOff,
    ChoiceRecord[] Choices);

/// <summary>One choice's progress in a <see cref="JournalEntry"/>.</summary>
/// <param name="Index">Which choice.</param>
/// <param name="Attempt">The attempt its decode ran under.</param>
/// <param name="Done">It finished.</param>
/// <param name="Worker">The decode worker running it, if one was.</param>
/// <param name="Checkpoint">Its latest checkpoint.</param>
public sealed record ChoiceRecord(int Index, int Attempt, bool Done, WorkerId? Worker, DecodeCheckpoint? Checkpoint);
