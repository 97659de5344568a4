namespace Mesh.Scheduler.Lifecycle;

/// <summary>Where a request is in its life; once prefilled, each choice has its own <see cref="ChoicePhase"/>.</summary>
public enum RequestPhase
{
    /// <summary>Admitted; no live worker could take its prefill yet.</summary>
    Waiting,

    /// <summary>Its media items are being encoded.</summary>
    Encoding,

    /// <summary>A prefill worker has its prompt.</summary>
    Prefilling,

    /// <summary>Prefilled: its choices are waiting for, or running on, decode workers.</summary>
    Decoding,
}

/// <summary>Where one choice of a prefilled request is.</summary>
public enum ChoicePhase
{
    /// <summary>No decode worker runs it: fresh from prefill, preempted, or its worker was lost.</summary>
    AwaitingDecode,

    /// <summary>A decode worker streams its tokens.</summary>
    Decoding,

    /// <summary>Being preempted: its worker saves a checkpoint and stops it.</summary>
    Suspending,

    /// <summary>Finished (or cancelled).</summary>
    Done,
}
