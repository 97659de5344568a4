namespace Mesh.ServiceDefaults.Bus;

/// <summary>A handler's answer to a delivery; the same three answers Dapr's pub/sub contract knows.</summary>
public enum HandlerResult
{
    /// <summary>Handled; the message is removed.</summary>
    Success,

    /// <summary>Transient failure; the message is redelivered with backoff until the delivery limit, then dead-lettered. A thrown exception means the same.</summary>
    Retry,

    /// <summary>The message can never succeed (poison); it goes to the subscription's dead-letter topic at once.</summary>
    Drop,
}
