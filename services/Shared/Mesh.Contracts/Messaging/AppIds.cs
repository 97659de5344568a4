namespace Mesh.Contracts;

/// <summary>
/// Dapr app ids of the Mesh services (dapr.yaml <c>appID</c>, component <c>scopes</c>). Under Dapr the app id
/// is also the consumer group: every app id receives each message of a topic once, and the instances of
/// one app id compete for it.
/// </summary>
public static class AppIds
{
    /// <summary>OpenAI-compatible HTTP API and SSE streaming.</summary>
    public const string Gateway = "gateway";

    /// <summary>Owns every request's life: admission, placement, hand-offs, retries.</summary>
    public const string Scheduler = "scheduler";

    /// <summary>Multimodal encoders.</summary>
    public const string Encode = "encode";

    /// <summary>Prompt processing; writes KV blocks, emits the first token.</summary>
    public const string Prefill = "prefill";

    /// <summary>Continuous-batching token generation.</summary>
    public const string Decode = "decode";

    /// <summary>Stateless core-attention servers.</summary>
    public const string Attention = "attention";

    /// <summary>Owns KV bytes, the prefix index and the tiers.</summary>
    public const string KvCache = "kvcache";

    /// <summary>All seven, in request-path order.</summary>
    public static readonly IReadOnlyList<string> All = [Gateway, Scheduler, Encode, Prefill, Decode, Attention, KvCache];
}
