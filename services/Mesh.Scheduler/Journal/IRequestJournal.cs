using Mesh.Contracts;

namespace Mesh.Scheduler.Journal;

/// <summary>
/// Durable record of the requests the scheduler has accepted and not yet finished, so they survive its restart. One
/// writer (the scheduler loop). Implementations: a folder of files in one process (<see cref="FileRequestJournal"/>),
/// the Dapr state store under Dapr (<see cref="DaprStateJournal"/>).
/// </summary>
public interface IRequestJournal
{
    /// <summary>Writes (or replaces) a request's entry.</summary>
    ValueTask SaveAsync(JournalEntry entry, CancellationToken cancellationToken);

    /// <summary>Forgets a finished request.</summary>
    ValueTask RemoveAsync(RequestId id, CancellationToken cancellationToken);

    /// <summary>Every entry written and not removed.</summary>
    ValueTask<IReadOnlyList<JournalEntry>> LoadAsync(CancellationToken cancellationToken);
}
