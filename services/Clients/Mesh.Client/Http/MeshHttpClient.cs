using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Mesh.Client;

/// <summary>
/// Client of the Mesh gateway's OpenAI-compatible HTTP API (<c>/v1/chat/completions</c>, <c>/v1/completions</c>,
/// <c>/v1/models</c>), non-streaming and streaming (server-sent events). Thread-safe; keep one per gateway.
/// Errors surface as <see cref="MeshApiException"/> (the gateway's OpenAI error: status, type, code, param),
/// <see cref="MeshConnectionException"/> (unreachable, connection lost) or <see cref="MeshProtocolException"/>
/// (an answer that is not what the API promises).
/// </summary>
public sealed class MeshHttpClient : IDisposable
{
    private const string JsonMediaType = "application/json";
    private const string EventStreamMediaType = "text/event-stream";

    /// <summary>The HTTP client requests go through.</summary>
    private readonly HttpClient _http;

    /// <summary>Whether <see cref="Dispose"/> disposes <see cref="_http"/>.</summary>
    private readonly bool _ownsHttp;

    /// <summary>Bearer key sent with every request; null when the gateway has no keys.</summary>
    private readonly string? _apiKey;

    /// <summary>
    /// A client of the gateway at <paramref name="address"/> (<c>http://host:5100</c> or <c>…/v1</c>), with its own
    /// connection pool. No client-side timeout: the gateway ends a request at its deadline with 504
    /// (<c>Gateway:RequestTimeout</c>); cancel the token to give up earlier.
    /// </summary>
    /// <param name="address">Gateway address.</param>
    /// <param name="apiKey">Key for <c>Authorization: Bearer</c>, when the gateway has keys configured.</param>
    public MeshHttpClient(Uri address, string? apiKey = null)
        : this(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, GatewayAddress.ApiBase(address), apiKey, ownsHttp: true)
    {
    }

    /// <summary>
    /// A client over <paramref name="http"/>, whose <see cref="HttpClient.BaseAddress"/> is the gateway address
    /// (for <c>IHttpClientFactory</c>, or a test server's client). The caller keeps ownership of <paramref name="http"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="http"/> has no base address.</exception>
    public MeshHttpClient(HttpClient http, string? apiKey = null)
        : this(http, GatewayAddress.ApiBase(http?.BaseAddress ?? throw new ArgumentException("The HttpClient needs a BaseAddress: the gateway's address.", nameof(http))), apiKey, ownsHttp: false)
    {
    }

    private MeshHttpClient(HttpClient http, Uri endpoint, string? apiKey, bool ownsHttp)
    {
        _http = http;
        Endpoint = endpoint;
        _apiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey;
        _ownsHttp = ownsHttp;
    }

    /// <summary>The base of the API routes, ending in <c>/v1/</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>Sends a chat request and waits for the whole answer.</summary>
    public Task<ChatCompletion> CompleteChatAsync(ChatCompletionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostAsync("chat/completions", request with { Stream = null, StreamOptions = null },
            MeshClientJsonContext.Default.ChatCompletionRequest, MeshClientJsonContext.Default.ChatCompletion, cancellationToken);
    }

    /// <summary>
    /// Sends a chat request with <c>stream: true</c> and yields its events as they arrive: each choice's role, its
    /// text deltas in order, its finish reason, and with <see cref="GenerationRequest.IncludeUsageInStream"/> a last
    /// event with the usage.
    /// </summary>
    public IAsyncEnumerable<ChatCompletionUpdate> StreamChatAsync(ChatCompletionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StreamAsync("chat/completions", request with { Stream = true, StreamOptions = UsageOption(request) },
            MeshClientJsonContext.Default.ChatCompletionRequest, MeshClientJsonContext.Default.ChatCompletionUpdate, cancellationToken);
    }

    /// <summary>Sends a completions request (text or token-id prompt) and waits for the whole answer.</summary>
    public Task<TextCompletion> CompleteAsync(TextCompletionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostAsync("completions", request with { Stream = null, StreamOptions = null },
            MeshClientJsonContext.Default.TextCompletionRequest, MeshClientJsonContext.Default.TextCompletion, cancellationToken);
    }

    /// <summary>Sends a completions request with <c>stream: true</c> and yields its events (each choice's text pieces, in order).</summary>
    public IAsyncEnumerable<TextCompletion> StreamCompletionAsync(TextCompletionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StreamAsync("completions", request with { Stream = true, StreamOptions = UsageOption(request) },
            MeshClientJsonContext.Default.TextCompletionRequest, MeshClientJsonContext.Default.TextCompletion, cancellationToken);
    }

    /// <summary>The models the gateway serves.</summary>
    public async Task<IReadOnlyList<ModelInfo>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(Endpoint, "models"));
        ModelList list = await SendForJsonAsync(message, MeshClientJsonContext.Default.ModelList, cancellationToken);
        return list.Data;
    }

    /// <summary>One model's card.</summary>
    /// <exception cref="MeshApiException">404 <c>model_not_found</c> when the gateway does not serve it.</exception>
    public Task<ModelInfo> GetModelAsync(string model, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var message = new HttpRequestMessage(HttpMethod.Get, new Uri(Endpoint, "models/" + Uri.EscapeDataString(model)));
        return SendAndDisposeAsync(message, MeshClientJsonContext.Default.ModelInfo, cancellationToken);
    }

    /// <summary>Disposes the HTTP client when this instance created it.</summary>
    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    private static StreamOptionsBody? UsageOption(GenerationRequest request) =>
        request.IncludeUsageInStream ? StreamOptionsBody.WithUsage : null;

    private async Task<TResponse> PostAsync<TRequest, TResponse>(
        string path, TRequest body, JsonTypeInfo<TRequest> requestInfo, JsonTypeInfo<TResponse> responseInfo, CancellationToken cancellationToken)
    {
        using HttpRequestMessage message = Post(path, body, requestInfo);
        return await SendForJsonAsync(message, responseInfo, cancellationToken);
    }

    private async Task<T> SendAndDisposeAsync<T>(HttpRequestMessage message, JsonTypeInfo<T> responseInfo, CancellationToken cancellationToken)
    {
        using (message) return await SendForJsonAsync(message, responseInfo, cancellationToken);
    }

    private async IAsyncEnumerable<TEvent> StreamAsync<TRequest, TEvent>(
        string path, TRequest body, JsonTypeInfo<TRequest> requestInfo, JsonTypeInfo<TEvent> eventInfo,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using HttpRequestMessage message = Post(path, body, requestInfo);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(EventStreamMediaType));
        using HttpResponseMessage response = await SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.Content.Headers.ContentType?.MediaType != EventStreamMediaType)
            throw new MeshProtocolException(
                $"{message.RequestUri} answered a streaming request with '{response.Content.Headers.ContentType}' instead of {EventStreamMediaType}.");
        using var events = new ServerSentEvents(await response.Content.ReadAsStreamAsync(cancellationToken), message.RequestUri!);
        while (await events.NextAsync(cancellationToken) is { } data)
            yield return StreamEvents.Parse(data, eventInfo, message.RequestUri!);
    }

    private HttpRequestMessage Post<T>(string path, T body, JsonTypeInfo<T> typeInfo)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, typeInfo));
        content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
        return new HttpRequestMessage(HttpMethod.Post, new Uri(Endpoint, path)) { Content = content };
    }

    private async Task<T> SendForJsonAsync<T>(HttpRequestMessage message, JsonTypeInfo<T> responseInfo, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
        try
        {
            await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync(body, responseInfo, cancellationToken)
                ?? throw new MeshProtocolException($"{message.RequestUri} answered JSON null.");
        }
        catch (JsonException ex)
        {
            throw new MeshProtocolException($"{message.RequestUri} answered {(int)response.StatusCode} with a body that is not a {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>Sends with the key; an error status becomes <see cref="MeshApiException"/>, no connection <see cref="MeshConnectionException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        if (_apiKey is not null) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new MeshConnectionException($"Cannot reach the Mesh gateway at {Endpoint}: {ex.Message}", ex);
        }
        if (response.IsSuccessStatusCode) return response;
        using (response) throw await ErrorBodies.ReadAsync(response, cancellationToken);
    }
}
