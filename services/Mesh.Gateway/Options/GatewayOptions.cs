namespace Mesh.Gateway;

/// <summary>
/// Settings of the gateway, bound from the <c>Gateway</c> configuration section
/// (env: <c>Gateway__Models__0=tiny</c>, <c>Gateway__ApiKeys__0=sk-…</c>) and validated at startup.
/// </summary>
public sealed class GatewayOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Gateway";

    /// <summary>Model names the mesh serves, as listed by <c>GET /v1/models</c>; a request naming another model gets 404.</summary>
    public List<string> Models { get; set; } = [];

    /// <summary>Accepted bearer keys. Empty: no authentication (local development).</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Largest <c>max_tokens</c> / <c>max_completion_tokens</c> a request may ask for.</summary>
    public int MaxTokensLimit { get; set; } = 4096;

    /// <summary>Chat completions without <c>max_tokens</c> get this many (completions default to 16, as OpenAI's do).</summary>
    public int DefaultMaxTokens { get; set; } = 1024;

    /// <summary>Largest request body in bytes; larger bodies get 413. Keep it under the bus's message limit (Dapr: 4 MB).</summary>
    public long MaxRequestBytes { get; set; } = 2 << 20;

    /// <summary>
    /// How long a request may take from publish to its last reply. It becomes the request's
    /// <c>Deadline</c>; when it passes the gateway publishes a <c>CancelRequest</c> and answers 504.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// This instance's id; its reply topic is <c>mesh.replies.&lt;InstanceId&gt;</c>. Defaults to
    /// <c>gateway-&lt;machine name&gt;</c>, so replicas get separate reply topics.
    /// </summary>
    public string? InstanceId { get; set; }

    /// <summary>Replies queued per waiting request; when full, the reply-topic handler asks the bus to redeliver later.</summary>
    public int ReplyBufferCapacity { get; set; } = 1024;
}
