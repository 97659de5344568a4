namespace Mesh.Scheduler.Lifecycle;

/// <summary>Where a request is in its life.</summary>
public enum RequestPhase
{
    /// <summary>Admitted; no live worker could take its prefill yet.</summary>
    Waiting,

    /// <summary>Its media items are being encoded.</summary>
    Encoding,

    /// <summary>A prefill worker has its prompt.</summary>
    Prefilling,

    /// <summary>Prefilled; no decode worker could take the hand-off yet.</summary>
    AwaitingDecode,

    /// <summary>A decode worker streams its tokens.</summary>
    Decoding,
}
