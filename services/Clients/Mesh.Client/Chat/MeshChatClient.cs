using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Mesh.Client;

/// <summary>
/// Mesh as a Microsoft.Extensions.AI <see cref="IChatClient"/>, over the gateway's chat completions
/// (<see cref="MeshHttpClient"/>). <see cref="ChatOptions"/> map onto the OpenAI fields: Temperature, TopP, TopK,
/// MaxOutputTokens (<c>max_tokens</c>), Seed, StopSequences (<c>stop</c>), FrequencyPenalty, PresencePenalty, ModelId,
/// Instructions (a leading system message); <see cref="ChatOptions.AdditionalProperties"/> may carry Mesh's
/// <c>min_p</c>, <c>repetition_penalty</c>, <c>ignore_eos</c> and <c>priority</c>. A
/// <see cref="ChatOptions.RawRepresentationFactory"/> may return a <see cref="ChatCompletionRequest"/> to start from.
/// Streaming asks for usage, so the last update carries a <see cref="UsageContent"/>.
/// </summary>
public sealed class MeshChatClient : IChatClient
{
    /// <summary>Provider name in <see cref="ChatClientMetadata"/>.</summary>
    public const string ProviderName = "mesh";

    private readonly MeshHttpClient _client;
    private readonly bool _ownsClient;
    private readonly string? _defaultModel;

    /// <summary>A chat client over <paramref name="client"/>, which the caller keeps and disposes.</summary>
    /// <param name="client">The gateway client.</param>
    /// <param name="defaultModel">Model used when <see cref="ChatOptions.ModelId"/> is not set.</param>
    public MeshChatClient(MeshHttpClient client, string? defaultModel = null)
        : this(client ?? throw new ArgumentNullException(nameof(client)), defaultModel, ownsClient: false)
    {
    }

    /// <summary>A chat client of the gateway at <paramref name="address"/>, with its own <see cref="MeshHttpClient"/>.</summary>
    /// <param name="address">Gateway address (<c>http://host:5100</c>).</param>
    /// <param name="defaultModel">Model used when <see cref="ChatOptions.ModelId"/> is not set.</param>
    /// <param name="apiKey">Bearer key, when the gateway has keys.</param>
    public MeshChatClient(Uri address, string? defaultModel = null, string? apiKey = null)
        : this(new MeshHttpClient(address, apiKey), defaultModel, ownsClient: true)
    {
    }

    private MeshChatClient(MeshHttpClient client, string? defaultModel, bool ownsClient)
    {
        _client = client;
        _defaultModel = defaultModel;
        _ownsClient = ownsClient;
        Metadata = new ChatClientMetadata(ProviderName, client.Endpoint, defaultModel);
    }

    /// <summary>Provider <c>mesh</c>, the gateway's <c>/v1/</c> address, the default model.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatCompletionRequest request = ChatRequestMapper.Map(messages, options, _defaultModel, this);
        ChatCompletion completion = await _client.CompleteChatAsync(request, cancellationToken);
        return ChatResponseMapper.ToResponse(completion);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatCompletionRequest request = ChatRequestMapper.Map(messages, options, _defaultModel, this) with { IncludeUsageInStream = true };
        await foreach (ChatCompletionUpdate update in _client.StreamChatAsync(request, cancellationToken))
            yield return ChatResponseMapper.ToUpdate(update);
    }

    /// <summary>
    /// <see cref="ChatClientMetadata"/>, the underlying <see cref="MeshHttpClient"/>, or this client; null for
    /// anything else or any key.
    /// </summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return Metadata;
        if (serviceType == typeof(MeshHttpClient)) return _client;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Disposes the <see cref="MeshHttpClient"/> when this instance created it.</summary>
    public void Dispose()
    {
        if (_ownsClient) _client.Dispose();
    }
}
