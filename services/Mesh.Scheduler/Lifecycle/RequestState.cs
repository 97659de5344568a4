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

    /// <summary>Current attempt; results of other attempts are stale.</summary>
    public int Attempt { get; set; } = admitted.Request.Envelope.Attempt;

    /// <summary>Attempts started after the first.</summary>
    public int Retries { get; set; }

    /// <summary>Where it is.</summary>
    public RequestPhase Phase { get; set; } = RequestPhase.Waiting;

    /// <summary>The worker running its current stage (prefill or decode).</summary>
    public WorkerId? Worker { get; set; }

    /// <summary>Media items not yet encoded.</summary>
    public int MediaPending { get; set; }

    /// <summary>The prefill's hand-off while no decode worker can take it.</summary>
    public PrefillDone? HandOff { get; set; }

    /// <summary>The client cancelled; the decode worker is finishing it as cancelled.</summary>
    public bool Cancelled { get; set; }

    /// <summary>The request's id.</summary>
    public RequestId Id => Admitted.Id;

    /// <summary>The envelope of the current attempt.</summary>
    public MessageEnvelope Envelope => Admitted.Request.Envelope with { Attempt = Attempt, Deadline = Admitted.Deadline };
}
