using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>Why a choice stopped.</summary>
[JsonConverter(typeof(CamelCaseEnumConverter<FinishReason>))]
public enum FinishReason
{
    /// <summary>End-of-sequence token, stop token or stop string.</summary>
    Stop,

    /// <summary><see cref="SamplingParameters.MaxTokens"/> or the context length was reached.</summary>
    Length,

    /// <summary>The request was cancelled.</summary>
    Cancelled,
}
