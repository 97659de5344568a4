namespace Mesh.Contracts;

/// <summary>
/// Latency targets of an online request; either may be omitted (null), and the scheduler then uses the served model's
/// defaults (<c>Mesh:Scheduler:TtftTarget</c>, <c>TpotTarget</c>). A request that meets both counts towards goodput;
/// admission refuses an online request whose predicted time to first token is past its target.
/// </summary>
/// <param name="TtftMs">Time to first token, milliseconds.</param>
/// <param name="TpotMs">Time per output token after the first, milliseconds.</param>
public sealed record ServiceTargets(double? TtftMs = null, double? TpotMs = null);
