using Mesh.Contracts;
using Mesh.Scheduler.Admission;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>One request in flight, as the scheduler tracks it. Owned by the scheduler loop.</summary>
public sealed class RequestState(AdmittedRequest admitted, DateTimeOffset admittedAt)
{
    /// <summary>Tokenized request.</summary>
    public AdmittedRequest Admitted { get; } = admitted;

    /// <summary>When it was admitted.</summary>
    public DateTimeOffset AdmittedAt { get; } = admittedAt;

    /// <summary>The newest attempt issued for any stage of it (a prefill, or a choice's decode); results of older ones are stale.</summary>
    public int Attempt { get; set; } = admitted.Request.Envelope.Attempt;

    /// <summary>Attempts started after a failure (preemptions not counted).</summary>
    public int Retries { get; set; }

    /// <summary>Where it is.</summary>
    public RequestPhase Phase { get; set; } = RequestPhase.Waiting;

    /// <summary>The worker running its prefill.</summary>
    public WorkerId? Worker { get; set; }

    /// <summary>When its prefill was sent (for the prefill rate admission predicts with).</summary>
    public DateTimeOffset PrefillSentAt { get; set; }

    /// <summary>Not placed before then (a retry's backoff).</summary>
    public DateTimeOffset NotBefore { get; set; }

    /// <summary>When its first token was ready.</summary>
    public DateTimeOffset? FirstTokenAt { get; set; }

    /// <summary>Media items not yet encoded.</summary>
    public int MediaPending { get; set; }

    /// <summary>The prefill's hand-off: the prompt's KV every fresh choice starts from.</summary>
    public PrefillDone? HandOff { get; set; }

    /// <summary>One per choice once prefilled; empty before.</summary>
    public ChoiceState[] Choices { get; set; } = [];

    /// <summary>The client cancelled.</summary>
    public bool Cancelled { get; set; }

    /// <summary>The request's id.</summary>
    public RequestId Id => Admitted.Id;

    /// <summary>Online or offline.</summary>
    public Priority Priority => Admitted.Request.Envelope.Priority;

    /// <summary>Whether it is batch work that yields to online requests.</summary>
    public bool IsOffline => Priority == Priority.Offline;

    /// <summary>The envelope of the current attempt.</summary>
    public MessageEnvelope Envelope => EnvelopeOf(Attempt);

    /// <summary>The envelope of <paramref name="attempt"/>.</summary>
    public MessageEnvelope EnvelopeOf(int attempt) => Admitted.Request.Envelope with { Attempt = attempt, Deadline = Admitted.Deadline };

    /// <summary>The choice whose decode runs under <paramref name="attempt"/>, if any.</summary>
    public ChoiceState? ChoiceOf(int attempt, int index) =>
        index >= 0 && index < Choices.Length && Choices[index].Attempt == attempt ? Choices[index] : null;
}
