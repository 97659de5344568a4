using Mesh.Contracts;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>One of a prefilled request's n choices. Owned by the scheduler loop.</summary>
public sealed class ChoiceState(int index, int attempt)
{
    /// <summary>Which choice.</summary>
    public int Index { get; } = index;

    /// <summary>The attempt its decode runs under; a migration or resume gives it a new one (the request's next).</summary>
    public int Attempt { get; set; } = attempt;

    /// <summary>Where it is.</summary>
    public ChoicePhase Phase { get; set; } = ChoicePhase.AwaitingDecode;

    /// <summary>The decode worker running it.</summary>
    public WorkerId? Worker { get; set; }

    /// <summary>Its latest checkpoint: where a resume starts. Null until the decode saved one.</summary>
    public DecodeCheckpoint? Checkpoint { get; set; }

    /// <summary>The client cancelled; its worker is finishing it as cancelled.</summary>
    public bool Cancelling { get; set; }
}
