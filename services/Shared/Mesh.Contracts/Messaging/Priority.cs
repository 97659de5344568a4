using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>Admission class of a request.</summary>
[JsonConverter(typeof(CamelCaseEnumConverter<Priority>))]
public enum Priority
{
    /// <summary>Interactive: carries TTFT/TPOT targets and may preempt offline work.</summary>
    Online,

    /// <summary>Batch work: fills idle capacity, may be preempted (spilled, resumed later, never dropped).</summary>
    Offline,
}
